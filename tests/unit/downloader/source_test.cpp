#include "downloader/source.h"

#include <gtest/gtest.h>

#include "downloader/config.h"
#include "downloader/partial_file.h"

namespace kthena::downloader {
namespace {

TEST(Source, PvcPathIsMadeAbsoluteAndNormalised) {
  auto s = parse_source("pvc://models/./x/../qwen/");
  ASSERT_TRUE(s);
  EXPECT_EQ(std::get<LocalSource>(*s).path, "/models/qwen");
  EXPECT_EQ(std::get<LocalSource>(parse_source("pvc:///abs").value()).path, "/abs");
  EXPECT_EQ(std::get<LocalSource>(parse_source("hostpath://data/m").value()).path, "/data/m");
  EXPECT_EQ(std::get<LocalSource>(parse_source("/data/m").value()).path, "/data/m");
  EXPECT_FALSE(parse_source("pvc://"));
}

TEST(Source, HubRepos) {
  auto hf = std::get<HubSource>(parse_source("hf://Qwen/Qwen2.5-0.5B-Instruct").value());
  EXPECT_EQ(hf.hub, Hub::kHuggingFace);
  EXPECT_EQ(hf.repo, "Qwen/Qwen2.5-0.5B-Instruct");
  EXPECT_EQ(std::get<HubSource>(parse_source("gpt2").value()).repo, "gpt2");  // anything else: a repo id
  auto ms = std::get<HubSource>(parse_source("ms://qwen/Qwen2-7B").value());
  EXPECT_EQ(ms.hub, Hub::kModelScope);
  EXPECT_EQ(ms.repo, "qwen/Qwen2-7B");
  for (const char* bad : {"hf://a/b/c", "hf://a/../b", "hf://a b", "hf://", "hf://a/b?x", "weird://x", "hf://-a/b"}) {
    auto s = parse_source(bad);
    ASSERT_FALSE(s) << bad;
    EXPECT_EQ(s.error().field, bad);
    EXPECT_NE(s.error().message.find("repo id"), std::string::npos);
  }
}

TEST(Source, Buckets) {
  auto s3 = std::get<S3Source>(parse_source("s3://bucket/models/llama").value());
  EXPECT_EQ(s3.bucket, "bucket");
  EXPECT_EQ(s3.prefix, "models/llama");
  auto obs = std::get<S3Source>(parse_source("obs://b").value());
  EXPECT_EQ(obs.bucket, "b");
  EXPECT_EQ(obs.prefix, "");
  EXPECT_FALSE(parse_source("s3:///x"));
}

TEST(Config, JsonFirstThenEnvironmentThenDefaults) {
  EnvLookup env = [](std::string_view name) -> std::optional<std::string> {
    if (name == "HF_AUTH_TOKEN") return "from-env";
    if (name == "HF_REVISION") return "v2";
    if (name == "ACCESS_KEY") return "ak-env";
    if (name == "AWS_DEFAULT_REGION") return "eu-west-1";
    return std::nullopt;
  };
  auto c = merge_config(
      Json{{"hf_token", "from-json"}, {"access_key", nullptr}, {"endpoint", "http://x:9000/"}, {"unknown", 5}}, env);
  ASSERT_TRUE(c) << c.error().to_string();
  EXPECT_EQ(c->hf_token, "from-json");
  EXPECT_EQ(c->hf_revision, "v2");
  EXPECT_EQ(c->access_key, "ak-env");
  EXPECT_EQ(c->endpoint, "http://x:9000");
  EXPECT_EQ(c->hf_endpoint, "https://huggingface.co");
  EXPECT_EQ(c->ms_revision, "master");
  EXPECT_EQ(c->region, "eu-west-1");
  EXPECT_EQ(c->secret_key, "");
}

TEST(Config, KnownKeyOfTheWrongTypeIsNamed) {
  auto c = merge_config(Json{{"hf_token", 5}}, [](std::string_view) { return std::nullopt; });
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().to_string(), "config.hf_token: must be a string");
  EXPECT_FALSE(merge_config(Json::array(), [](std::string_view) { return std::nullopt; }));
}

TEST(SafeRelativePath, RefusesNamesThatLeaveTheFolder) {
  EXPECT_EQ(safe_relative_path("a/b.txt").value(), "a/b.txt");
  for (const char* bad :
       {"", "/etc/passwd", "../x", "a/../../x", "a//b", "./a", "a/.", ".lock", "a/.b.kthena-partial"}) {
    EXPECT_FALSE(safe_relative_path(bad)) << bad;
  }
  EXPECT_FALSE(safe_relative_path(std::string("a\0b", 3)));
  EXPECT_TRUE(safe_relative_path("sub/.lock"));  // only the top-level lock file is ours
}

}  // namespace
}  // namespace kthena::downloader
