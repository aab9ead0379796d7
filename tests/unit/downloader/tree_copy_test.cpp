// The offline sources through download(): pvc:// and local paths copied as `rsync -a` would, a second run copying
// nothing, partial files of a killed run cleaned up, and the one-line errors.
#include "downloader/tree_copy.h"

#include <gtest/gtest.h>

#include "downloader/download_tuning.h"
#include "downloader/partial_file.h"
#include "test_dir.h"

namespace kthena::downloader {
namespace {

namespace fs = std::filesystem;
using testing::read_file;
using testing::TestDir;
using testing::write_file;

struct Outcome {
  Result<void> result;
  std::vector<std::string> lines;
  bool said(std::string_view start) const {
    for (const std::string& l : lines) {
      if (l.starts_with(start)) return true;
    }
    return false;
  }
};

Outcome run(const std::string& source, const fs::path& out, bool dry_run = false) {
  DownloadOptions options;
  options.source = source;
  options.output_dir = out;
  options.dry_run = dry_run;
  DownloadTuning tuning;
  tuning.env = [](std::string_view) { return std::nullopt; };
  Outcome r;
  r.result = download(
      options, [&](const std::string& line) { r.lines.push_back(line); }, tuning);
  return r;
}

void make_model(const fs::path& src) {
  write_file(src / "config.json", "{}");
  write_file(src / "weights/part-1.bin", std::string(3 << 20, 'x'));  // several copy buffers
  write_file(src / "weights/part-2.bin", "");
  fs::create_directories(src / "empty");
  fs::create_symlink("weights/part-1.bin", src / "model.bin");
  fs::permissions(src / "config.json", fs::perms::owner_read | fs::perms::owner_write | fs::perms::owner_exec);
}

TEST(TreeCopy, CopiesFilesFoldersLinksPermissionsAndMtimes) {
  TestDir dir;
  make_model(dir.path() / "src");
  Outcome r = run(dir.path().string() + "/src", dir.path() / "out");
  ASSERT_TRUE(r.result) << r.result.error().to_string();
  const fs::path out = dir.path() / "out";
  EXPECT_EQ(read_file(out / "config.json"), "{}");
  EXPECT_EQ(fs::file_size(out / "weights/part-1.bin"), 3u << 20);
  EXPECT_TRUE(fs::exists(out / "weights/part-2.bin"));
  EXPECT_TRUE(fs::is_directory(out / "empty"));
  EXPECT_EQ(fs::read_symlink(out / "model.bin"), "weights/part-1.bin");
  EXPECT_EQ(fs::status(out / "config.json").permissions(), fs::status(dir.path() / "src/config.json").permissions());
  EXPECT_EQ(fs::last_write_time(out / "weights/part-1.bin"),
            fs::last_write_time(dir.path() / "src/weights/part-1.bin"));
  EXPECT_FALSE(fs::exists(out / ".lock"));
  EXPECT_TRUE(r.said("copied: 4 files")) << ::testing::PrintToString(r.lines);
}

TEST(TreeCopy, SecondRunCopiesNothingAndAChangedFileIsCopiedAgain) {
  TestDir dir;
  make_model(dir.path() / "src");
  ASSERT_TRUE(run("pvc://" + dir.path().string() + "/src", dir.path() / "out").result);
  auto before = fs::last_write_time(dir.path() / "out/config.json");
  Outcome again = run("pvc://" + dir.path().string() + "/src", dir.path() / "out");
  ASSERT_TRUE(again.result);
  EXPECT_TRUE(again.said(dir.path().string() + "/src: 0 files (0 B) to copy")) << ::testing::PrintToString(again.lines);
  EXPECT_EQ(fs::last_write_time(dir.path() / "out/config.json"), before);

  write_file(dir.path() / "src/config.json", "{\"a\":1}");
  Outcome changed = run("pvc://" + dir.path().string() + "/src", dir.path() / "out");
  ASSERT_TRUE(changed.result);
  EXPECT_EQ(read_file(dir.path() / "out/config.json"), "{\"a\":1}");
}

TEST(TreeCopy, PartialFilesOfAKilledRunAreRemoved) {
  TestDir dir;
  make_model(dir.path() / "src");
  write_file(partial_path(dir.path() / "out/weights/part-1.bin"), "half");
  Outcome r = run(dir.path().string() + "/src", dir.path() / "out");
  ASSERT_TRUE(r.result);
  EXPECT_FALSE(fs::exists(partial_path(dir.path() / "out/weights/part-1.bin")));
  EXPECT_TRUE(r.said("removed ")) << ::testing::PrintToString(r.lines);
}

TEST(TreeCopy, DryRunWritesNothing) {
  TestDir dir;
  make_model(dir.path() / "src");
  Outcome r = run(dir.path().string() + "/src", dir.path() / "out", true);
  ASSERT_TRUE(r.result) << r.result.error().to_string();
  EXPECT_FALSE(fs::exists(dir.path() / "out"));
  EXPECT_TRUE(r.said("would copy weights/part-1.bin (3.0 MiB)")) << ::testing::PrintToString(r.lines);
}

TEST(TreeCopy, MissingPvcPathIsOneLineAndTouchesNothing) {
  TestDir dir;
  Outcome r = run("pvc://" + dir.path().string() + "/nope", dir.path() / "out");
  ASSERT_FALSE(r.result);
  EXPECT_EQ(r.result.error().to_string(),
            "pvc://" + dir.path().string() + "/nope: " + dir.path().string() + "/nope: does not exist");
  EXPECT_FALSE(fs::exists(dir.path() / "out"));
}

TEST(TreeCopy, SourceThatIsAFileIsRefused) {
  TestDir dir;
  write_file(dir.path() / "f", "x");
  Outcome r = run("hostpath://" + dir.path().string() + "/f", dir.path() / "out");
  ASSERT_FALSE(r.result);
  EXPECT_NE(r.result.error().to_string().find("is not a directory"), std::string::npos);
}

TEST(TreeCopy, OutputInsideTheSourceIsNotCopiedIntoItself) {
  TestDir dir;
  write_file(dir.path() / "a.txt", "a");
  Outcome r = run(dir.path().string(), dir.path() / "out");
  ASSERT_TRUE(r.result) << r.result.error().to_string();
  EXPECT_EQ(read_file(dir.path() / "out/a.txt"), "a");
  EXPECT_FALSE(fs::exists(dir.path() / "out/out"));
}

}  // namespace
}  // namespace kthena::downloader
