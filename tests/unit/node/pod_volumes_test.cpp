// hostPath volumes under the node config's hostPathRoot: a simulated node's pods find (and make) their host folders
// there, never on this machine's root.
#include "node/pod_volumes.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

namespace kthena::node {
namespace {

namespace fs = std::filesystem;

class PodVolumesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "kthena-volumes-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    options_.pod_dir = dir_ / "pod";
    options_.claims_dir = dir_ / "claims";
    options_.host_path_root = dir_ / "host";
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  Result<std::map<std::string, fs::path>> prepare(const Json& volumes) {
    Json pod = {{"metadata", {{"name", "p"}, {"namespace", "default"}}}, {"spec", {{"volumes", volumes}}}};
    auto none = [](const std::string&, const std::string&) -> std::optional<Json> { return std::nullopt; };
    return prepare_volumes(pod, options_, none, "10.244.0.2");
  }
  fs::path dir_;
  VolumeOptions options_;
};

TEST_F(PodVolumesTest, HostPathsLiveUnderTheRoot) {
  fs::create_directories(dir_ / "host" / "etc");
  std::ofstream(dir_ / "host" / "etc" / "hccn.conf") << "address_0=192.168.100.1\n";
  auto volumes = prepare(Json::parse(R"([
    {"name": "conf", "hostPath": {"path": "/etc/hccn.conf", "type": "File"}},
    {"name": "cache", "hostPath": {"path": "/mnt/cache/deepseek/", "type": "DirectoryOrCreate"}}
  ])"));
  ASSERT_TRUE(volumes) << volumes.error().to_string();
  EXPECT_EQ(volumes->at("conf"), dir_ / "host" / "etc" / "hccn.conf");
  EXPECT_EQ(volumes->at("cache").lexically_normal(),
            (dir_ / "host" / "mnt" / "cache" / "deepseek/").lexically_normal());
  EXPECT_TRUE(fs::is_directory(dir_ / "host" / "mnt" / "cache" / "deepseek"));
}

TEST_F(PodVolumesTest, AMissingFileUnderTheRootIsAClearError) {
  auto volumes = prepare(Json::parse(R"([{"name": "conf", "hostPath": {"path": "/etc/hccn.conf", "type": "File"}}])"));
  ASSERT_FALSE(volumes);
  EXPECT_NE(volumes.error().message.find("volumes[0] (conf): hostPath " + (dir_ / "host").string() +
                                         "/etc/hccn.conf is not a file"),
            std::string::npos)
      << volumes.error().message;
}

TEST_F(PodVolumesTest, AllowedPrefixesApplyToThePathAsThePodWritesIt) {
  options_.host_paths = {"/data/models"};
  EXPECT_TRUE(
      prepare(Json::parse(R"([{"name": "m", "hostPath": {"path": "/data/models/q", "type": "DirectoryOrCreate"}}])")));
  auto refused = prepare(Json::parse(R"([{"name": "e", "hostPath": {"path": "/etc"}}])"));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kForbidden);
}

}  // namespace
}  // namespace kthena::node
