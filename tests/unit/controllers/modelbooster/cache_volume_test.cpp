#include "controllers/modelbooster/cache_volume.h"

#include <gtest/gtest.h>

namespace kthena::controllers::modelbooster {
namespace {

TEST(ModelMountPathTest, IsTheMd5OfTheRawModelUri) {
  const std::pair<const char*, const char*> cases[] = {
      {"models/llama-2-7b", "/8590cc9fef9361779a5bd7862eb82b6d"},
      {"", "/d41d8cd98f00b204e9800998ecf8427e"},
      {"model_@#$", "/1f8d57abec22d679835ba0c38f634b06"},
      {"s3://aios_models/deepseek-ai/DeepSeek-V3-W8A8/vllm-ascend", "/13a7c4d58031cdc502ca1bb4a592f2b9"},
  };
  for (const auto& [uri, expected] : cases) EXPECT_EQ(model_mount_path(uri), expected) << uri;
}

TEST(CachePathTest, JoinsHostAndPathWithOneLeadingSlash) {
  const std::pair<const char*, const char*> cases[] = {
      {"pvc://model-cache", "/model-cache"},
      {"hostpath:///tmp/cache", "/tmp/cache"},
      {"pvc://a/b", "/a/b"},
      {"pvc://my-cache-path////", "/my-cache-path"},
      {"pvc:///my-cache-path", "/my-cache-path"},
      {"pvc:////my-cache-path", "/my-cache-path"},
      {"pvc://path/with/multiple/separators", "/path/with/multiple/separators"},
      {"hostpath://tmp/cache", "/tmp/cache"},
      {"hostpath://cache/", "/cache"},
      {"hostpath://mnt/cache/", "/mnt/cache"},
      {"hostpath:///data/models%20v2", "/data/models v2"},
      {"hostpath:///data?x=1#frag", "/data"},
      {"", ""},
      {"invalidpath", ""},
      {"hostpath:///bad%zzescape", ""},
      {"pvc://claim:notaport/x", ""},
      {"pvc://has space/x", ""},
  };
  for (const auto& [uri, expected] : cases) EXPECT_EQ(cache_path(uri), expected) << uri;
}

TEST(PvcClaimNameTest, StripsThePrefixAndSurroundingSlashes) {
  const std::pair<const char*, const char*> cases[] = {
      {"pvc://my-pvc", "my-pvc"},
      {"pvc:///my-pvc", "my-pvc"},
      {"pvc://my-pvc/", "my-pvc"},
      {"pvc:////my-pvc////", "my-pvc"},
      {"", ""},
  };
  for (const auto& [uri, expected] : cases) EXPECT_EQ(pvc_claim_name(uri), expected) << uri;
}

ModelBackend backend_with_cache(std::string uri) {
  ModelBackend b;
  b.name = "test-backend";
  b.cache_uri = std::move(uri);
  return b;
}

TEST(BuildCacheVolumeTest, VolumeKinds) {
  struct Case {
    const char* uri;
    const char* expected;  // the Volume as JSON, or nullptr for an error
    const char* error;     // a substring of the error
  } cases[] = {
      {"pvc://test-pvc", R"({"name":"test-backend-weights","persistentVolumeClaim":{"claimName":"test-pvc"}})", ""},
      {"pvc:///test-pvc", R"({"name":"test-backend-weights","persistentVolumeClaim":{"claimName":"test-pvc"}})", ""},
      {"hostpath://test/path",
       R"({"name":"test-backend-weights","hostPath":{"path":"/test/path","type":"DirectoryOrCreate"}})", ""},
      {"hostpath:///tmp/test",
       R"({"name":"test-backend-weights","hostPath":{"path":"/tmp/test","type":"DirectoryOrCreate"}})", ""},
      // The scheme is case-sensitive, as upstream's.
      {"hostPath://invalid/path", nullptr,
       R"(spec.backend.cacheURI: Invalid value: "hostPath://invalid/path": not support prefix in CacheURI: hostPath://invalid/path)"},
      {"s3://bucket/cache", nullptr, "not support prefix in CacheURI: s3://bucket/cache"},
      // Upstream mounted an emptyDir at "" here, which the API server then rejected: a clear error instead.
      {"", nullptr, "spec.backend.cacheURI: Required value: the model is downloaded into this cache"},
      {"pvc://", nullptr, R"(spec.backend.cacheURI: Invalid value: "pvc://": the PVC claim name is empty)"},
      {"pvc:///", nullptr, "the PVC claim name is empty"},
      {"hostpath:///", nullptr, R"(spec.backend.cacheURI: Invalid value: "hostpath:///": the host path is empty)"},
  };
  for (const Case& c : cases) {
    auto volume = build_cache_volume(backend_with_cache(c.uri));
    if (c.expected != nullptr) {
      ASSERT_TRUE(volume) << c.uri << ": " << volume.error().to_string();
      EXPECT_EQ(*volume, Json::parse(c.expected)) << c.uri;
    } else {
      ASSERT_FALSE(volume) << c.uri;
      EXPECT_NE(volume.error().to_string().find(c.error), std::string::npos)
          << c.uri << ": " << volume.error().to_string();
    }
  }
}

}  // namespace
}  // namespace kthena::controllers::modelbooster
