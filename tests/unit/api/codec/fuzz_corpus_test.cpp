// Replays the fuzzers' seed corpus (tests/fuzz/corpus) through the decoders, so that every build, the sanitizer
// build included, checks that malformed input yields an error naming a position and never crashes.
#include <gtest/gtest.h>

#include <cmath>

#include "api/codec/json_decoder.h"
#include "api/codec/yaml_decoder.h"
#include "api/codec/yaml_encoder.h"
#include "unit/api/conformance_dir.h"

namespace kthena::api {
namespace {

const std::filesystem::path kCorpus = std::filesystem::path(KTHENA_SOURCE_DIR) / "tests/fuzz/corpus";

std::vector<std::filesystem::path> corpus(const char* folder) {
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(kCorpus / folder)) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  return files;
}

TEST(FuzzCorpus, YamlSeedsDecodeOrFailWithAPosition) {
  auto files = corpus("yaml");
  ASSERT_GE(files.size(), 20u);
  size_t errors = 0;
  for (const auto& path : files) {
    std::string text = testing::read_file(path);
    auto docs = decode_documents(text, path.filename().string());
    if (!docs) {
      ++errors;
      EXPECT_EQ(docs.error().field.rfind(path.filename().string(), 0), 0u) << path;
      EXPECT_FALSE(docs.error().message.empty()) << path;
      continue;
    }
    for (const Document& d : *docs) {
      auto back = decode_document(encode_yaml(d.value), "roundtrip");
      ASSERT_TRUE(back.has_value()) << path << ": " << back.error().to_string();
      if (d.value == d.value) {  // false only for documents holding NaN
        EXPECT_EQ(*back, d.value) << path;
      }
    }
  }
  EXPECT_GE(errors, 15u);
}

TEST(FuzzCorpus, JsonSeedsDecodeOrFailWithAPosition) {
  auto files = corpus("json");
  ASSERT_GE(files.size(), 10u);
  for (const auto& path : files) {
    std::string text = testing::read_file(path);
    auto value = decode_json(text, path.filename().string());
    if (!value) {
      EXPECT_EQ(value.error().field.rfind(path.filename().string(), 0), 0u) << path;
      EXPECT_FALSE(value.error().message.empty()) << path;
    } else {
      ADD_FAILURE() << path << " is malformed but decoded to " << value->dump();
    }
  }
}

}  // namespace
}  // namespace kthena::api
