// Every ModelBooster that upstream ships (examples/, test/e2e/, and the converter's own test inputs, at HEAD and
// v0.2.0) is admitted, converts, and every object it converts to is admitted in turn, under strict field
// validation: what `kthena validate` and the API server would do with them.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "api/admission.h"
#include "api/codec/yaml_decoder.h"
#include "controllers/modelbooster/converter.h"
#include "unit/api/conformance_dir.h"

namespace kthena::testing {
namespace {

namespace fs = std::filesystem;
namespace mb = controllers::modelbooster;

struct Booster {
  std::string where;  // file:line
  Json object;
};

std::vector<Booster> upstream_boosters(const fs::path& root) {
  std::vector<Booster> out;
  for (const char* dir : {"kthena/HEAD/examples", "kthena/HEAD/test/e2e", "kthena/v0.2.0/examples",
                          "kthena/HEAD/pkg/model-booster-controller/convert/testdata/input",
                          "kthena/v0.2.0/pkg/model-booster-controller/convert/testdata/input"}) {
    for (const fs::path& file : files_under(root / dir, {".yaml", ".yml"})) {
      auto docs = api::decode_documents(read_file(file), file.string());
      if (!docs) continue;  // not ours to judge: `kthena validate`'s conformance test reads every file
      for (api::Document& d : *docs) {
        if (d.value.is_object() && d.value.value("kind", "") == "ModelBooster") {
          out.push_back({fs::relative(file, root).string() + ":" + std::to_string(d.line), std::move(d.value)});
        }
      }
    }
  }
  return out;
}

std::string errors_text(const api::Admitted& admitted) {
  std::string text;
  for (const FieldError& e : admitted.errors) text += "\n  " + e.to_string();
  return text;
}

TEST(ConvertExamplesTest, EveryUpstreamModelBoosterConvertsIntoAdmissibleObjects) {
  const fs::path root = conformance_dir();
  KTHENA_REQUIRE_CONFORMANCE(root / "kthena/HEAD/examples/model-booster");
  const api::KindRegistry& registry = api::KindRegistry::builtin();
  auto converter = mb::ModelBoosterConverter::create();
  ASSERT_TRUE(converter);

  const std::vector<Booster> boosters = upstream_boosters(root);
  // 5 HEAD examples, 3 v0.2.0 examples, 2 e2e manifests, 10 + 2 converter inputs.
  EXPECT_EQ(boosters.size(), 22u);
  size_t policies = 0;
  for (const Booster& b : boosters) {
    Json object = b.object;
    // The API server assigns a UID; the converter's own inputs carry "randomUID".
    if (!object["metadata"].contains("uid")) object["metadata"]["uid"] = "0d6c6e8e-5f0a-4a53-9c55-6f3b3f1c2a10";
    if (!object["metadata"].contains("namespace")) object["metadata"]["namespace"] = "default";
    auto admitted = api::admit(registry, object, nullptr);
    ASSERT_TRUE(admitted) << b.where << ": " << admitted.error().to_string();
    ASSERT_TRUE(admitted->ok()) << b.where << ":" << errors_text(*admitted);

    auto objects = converter->convert(admitted->object);
    ASSERT_TRUE(objects) << b.where << ": " << objects.error().to_string();
    const std::vector<Json> generated = objects->in_order();
    policies += objects->autoscaling_policy ? 1 : 0;
    for (const Json& o : generated) {
      auto result = api::admit(registry, o, nullptr);
      ASSERT_TRUE(result) << b.where << " -> " << o["kind"] << ": " << result.error().to_string();
      EXPECT_TRUE(result->ok()) << b.where << " -> " << o["kind"] << ":" << errors_text(*result);
      EXPECT_TRUE(result->unknown_fields.empty()) << b.where << " -> " << o["kind"];
    }
  }
  // Only v0.2.0's converter input carries a spec.autoscalingPolicy.
  EXPECT_EQ(policies, 1u);
}

}  // namespace
}  // namespace kthena::testing
