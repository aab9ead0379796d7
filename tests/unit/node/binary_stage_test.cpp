// The kthena binary staged where pod users reach it, from a folder they cannot pass.
#include "node/binary_stage.h"

#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

namespace kthena::node {
namespace {

namespace fs = std::filesystem;

std::string read(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(BinaryStage, LinksTheBinaryWherePodsReachItAndReplacesAnOldOne) {
  char pattern[] = "/tmp/kthena-stage-XXXXXX";
  ASSERT_NE(::mkdtemp(pattern), nullptr);
  fs::path dir = pattern;  // mode 0700, as mkdtemp makes it
  fs::path binary = dir / "private" / "kthena";
  fs::create_directories(binary.parent_path());
  fs::permissions(binary.parent_path(), fs::perms::owner_all);
  std::ofstream(binary) << "#!/bin/sh\necho one\n";
  fs::permissions(binary, fs::perms::owner_all | fs::perms::group_read | fs::perms::others_read);

  auto staged = stage_binary_for_pods(binary, dir / "node");
  ASSERT_TRUE(staged) << staged.error().to_string();
  EXPECT_EQ(*staged, dir / "node" / "bin" / "kthena");
  EXPECT_EQ(read(*staged), "#!/bin/sh\necho one\n");
  struct stat st {};
  ASSERT_EQ(::stat(staged->c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0755u);
  ASSERT_EQ(::stat(staged->parent_path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0755u);

  // A new build replaces the binary: the next agent's stage is the new one.
  fs::remove(binary);
  std::ofstream(binary) << "#!/bin/sh\necho two\n";
  auto again = stage_binary_for_pods(binary, dir / "node");
  ASSERT_TRUE(again) << again.error().to_string();
  EXPECT_EQ(read(*again), "#!/bin/sh\necho two\n");
  EXPECT_FALSE(fs::exists(dir / "node" / "bin" / "kthena.staging"));

  auto missing = stage_binary_for_pods(dir / "nothing", dir / "node");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().to_string().find("cannot copy"), std::string::npos) << missing.error().to_string();
  fs::remove_all(dir);
}

}  // namespace
}  // namespace kthena::node
