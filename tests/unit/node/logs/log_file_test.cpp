#include "node/process/log_file.h"

#include <unistd.h>

#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

namespace kthena::node {
namespace {

namespace fs = std::filesystem;

std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

class LogFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "kthena-log-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    path_ = dir_ / "c.log";
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
  fs::path path_;
};

TEST_F(LogFileTest, RotatesBySizeKeepingGenerations) {
  // The writer holds the file open with O_APPEND, as a container does.
  std::ofstream writer(path_, std::ios::app);
  auto write = [&](const std::string& text) { writer << text << std::flush; };
  write("first generation\n");
  EXPECT_EQ(rotate_log(path_, 1000, 2).value(), false);
  EXPECT_EQ(rotate_log(path_, 10, 2).value(), true);
  EXPECT_EQ(fs::file_size(path_), 0u);
  EXPECT_EQ(read_text(rotated_log_path(path_, 1)), "first generation\n");
  write("second\n");
  // Appended at the new end, not after a hole where the old content was.
  EXPECT_EQ(read_text(path_), "second\n");
  ASSERT_TRUE(rotate_log(path_, 1, 2).value());
  write("third\n");
  ASSERT_TRUE(rotate_log(path_, 1, 2).value());
  EXPECT_EQ(read_text(rotated_log_path(path_, 1)), "third\n");
  EXPECT_EQ(read_text(rotated_log_path(path_, 2)), "second\n");
  EXPECT_FALSE(fs::exists(rotated_log_path(path_, 3)));
  EXPECT_EQ(rotate_log(dir_ / "absent.log", 1, 2).value(), false);
}

TEST_F(LogFileTest, PreviousInstanceLogIsKept) {
  std::ofstream(path_) << "instance 0\n";
  std::ofstream(rotated_log_path(path_, 1)) << "older of instance 0\n";
  ASSERT_TRUE(keep_previous_log(path_).has_value());
  EXPECT_EQ(read_text(previous_log_path(path_)), "instance 0\n");
  EXPECT_FALSE(fs::exists(path_));
  EXPECT_FALSE(fs::exists(rotated_log_path(path_, 1)));
  std::ofstream(path_) << "instance 1\n";
  ASSERT_TRUE(keep_previous_log(path_).has_value());
  EXPECT_EQ(read_text(previous_log_path(path_)), "instance 1\n");
  ASSERT_TRUE(keep_previous_log(path_).has_value());  // no log yet: nothing to keep, no error
  EXPECT_EQ(read_text(previous_log_path(path_)), "instance 1\n");
}

}  // namespace
}  // namespace kthena::node
