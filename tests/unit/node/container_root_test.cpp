// The plan of a container root for mount points the host lacks, read against this machine's real folders (no
// mounts here: the container process tests run the plan).
#include "node/process/container_root.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>

#include <fmt/format.h>
#include <gtest/gtest.h>

namespace kthena::node {
namespace {

namespace fs = std::filesystem;
using Kind = RootStep::Kind;

class ContainerRootTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "kthena-root-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = fs::canonical(tmpl);
    fs::create_directories(dir_ / "a" / "sub");
    std::ofstream(dir_ / "a" / "file") << "x";
    fs::create_symlink("sub", dir_ / "a" / "link");
    std::ofstream(dir_ / "plain") << "x";
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  const RootStep* find(const std::vector<RootStep>& steps, Kind kind, const fs::path& path) {
    auto it = std::find_if(steps.begin(), steps.end(),
                           [&](const RootStep& s) { return s.kind == kind && s.path == "/stage" + path.string(); });
    return it == steps.end() ? nullptr : &*it;
  }
  fs::path dir_;
};

TEST_F(ContainerRootTest, MirrorsEveryAncestorAndMakesTheMissingParts) {
  auto steps = plan_container_root(
      {{(dir_ / "a" / "models" / "qwen/").string(), true}, {(dir_ / "a" / "etc" / "hccn.conf").string(), false}},
      "/stage");
  ASSERT_TRUE(steps) << steps.error().to_string();
  // Every folder from / down to a/ is a folder of the tmpfs; their other entries are the host's.
  for (fs::path p = dir_ / "a"; p != p.root_path(); p = p.parent_path()) {
    EXPECT_TRUE(find(*steps, Kind::kFolder, p)) << p;
    EXPECT_FALSE(find(*steps, Kind::kBind, p)) << p << " is mirrored, not bound";
  }
  EXPECT_TRUE(find(*steps, Kind::kBind, "/usr")) << "the host's /usr";
  EXPECT_TRUE(find(*steps, Kind::kBind, dir_ / "plain"));
  EXPECT_TRUE(find(*steps, Kind::kFile, dir_ / "plain"));
  const RootStep* sub = find(*steps, Kind::kBind, dir_ / "a" / "sub");
  ASSERT_TRUE(sub);
  EXPECT_EQ(sub->source, (dir_ / "a" / "sub").string());
  const RootStep* link = find(*steps, Kind::kSymlink, dir_ / "a" / "link");
  ASSERT_TRUE(link);
  EXPECT_EQ(link->source, "sub");
  // The missing parts: folders, and a file where the volume is one.
  EXPECT_TRUE(find(*steps, Kind::kFolder, dir_ / "a" / "models"));
  EXPECT_TRUE(find(*steps, Kind::kFolder, dir_ / "a" / "models" / "qwen"));
  EXPECT_TRUE(find(*steps, Kind::kFolder, dir_ / "a" / "etc"));
  EXPECT_TRUE(find(*steps, Kind::kFile, dir_ / "a" / "etc" / "hccn.conf"));
  // Parents before their entries.
  auto index = [&](Kind kind, const fs::path& p) { return find(*steps, kind, p) - steps->data(); };
  EXPECT_LT(index(Kind::kFolder, dir_ / "a"), index(Kind::kBind, dir_ / "a" / "sub"));
  EXPECT_LT(index(Kind::kFolder, dir_ / "a" / "models"), index(Kind::kFolder, dir_ / "a" / "models" / "qwen"));
  // Nothing was made on the host.
  EXPECT_FALSE(fs::exists(dir_ / "a" / "models"));
}

TEST_F(ContainerRootTest, ErrorsNameTheMountPoint) {
  auto under_file = plan_container_root({{(dir_ / "plain" / "x").string(), true}}, "/stage");
  ASSERT_FALSE(under_file);
  EXPECT_NE(under_file.error().message.find("is a file on this node, not a folder"), std::string::npos)
      << under_file.error().message;
  fs::create_symlink(dir_ / "nowhere", dir_ / "dangling");
  auto dangling = plan_container_root({{(dir_ / "dangling" / "x").string(), true}}, "/stage");
  ASSERT_FALSE(dangling);
  EXPECT_NE(dangling.error().message.find("dangling symbolic link"), std::string::npos) << dangling.error().message;
  auto clash =
      plan_container_root({{(dir_ / "m" / "x").string(), false}, {(dir_ / "m" / "x" / "y").string(), true}}, "/stage");
  ASSERT_FALSE(clash);
  EXPECT_NE(clash.error().message.find(fmt::format("mountPath \"{}\"", (dir_ / "m" / "x" / "y").string())),
            std::string::npos)
      << clash.error().message;
  EXPECT_FALSE(plan_container_root({{"relative/path", true}}, "/stage"));
}

}  // namespace
}  // namespace kthena::node
