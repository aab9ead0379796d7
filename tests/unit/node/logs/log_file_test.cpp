#include "node/logs/log_file.h"

#include <sys/stat.h>
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

// 2026-12-07T06:20:52.000000001Z, and then one nanosecond later per call.
LogClock::time_point at(int64_t nanos) {
  return LogClock::time_point(std::chrono::duration_cast<LogClock::duration>(std::chrono::seconds(1796624452) +
                                                                             std::chrono::nanoseconds(nanos)));
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

TEST(CriLogTest, TimestampsAreFixedWidthUtc) {
  EXPECT_EQ(cri_timestamp(at(1)), "2026-12-07T06:20:52.000000001Z");
  EXPECT_EQ(cri_timestamp(at(123456789)), "2026-12-07T06:20:52.123456789Z");
  EXPECT_EQ(cri_timestamp(LogClock::time_point()), "1970-01-01T00:00:00.000000000Z");
}

TEST(CriLogTest, ParsesRecordsAndRefusesOtherLines) {
  auto full = parse_cri_record("2026-12-07T06:20:52.123456789Z stdout F hello world");
  ASSERT_TRUE(full);
  EXPECT_EQ(full->timestamp, "2026-12-07T06:20:52.123456789Z");
  EXPECT_EQ(full->stream, "stdout");
  EXPECT_FALSE(full->partial);
  EXPECT_EQ(full->content, "hello world");
  auto partial = parse_cri_record("2026-12-07T06:20:52Z stderr P  two spaces");
  ASSERT_TRUE(partial);
  EXPECT_TRUE(partial->partial);
  EXPECT_EQ(partial->content, " two spaces");
  auto empty = parse_cri_record("2026-12-07T06:20:52.1Z stdout F");
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->content, "");
  for (const char* bad : {"plain text from an older log", "", "2026-12-07T06:20:52Z stdin F x",
                          "2026-12-07T06:20:52Z stdout X x", "2026-12-07T06:20:52Z stdout Fx", "x stdout F y"}) {
    EXPECT_FALSE(parse_cri_record(bad)) << bad;
  }
}

TEST_F(LogFileTest, WritesOneRecordPerLineWithItsStream) {
  auto writer = LogFileWriter::create(path_, {});
  ASSERT_TRUE(writer) << writer.error().to_string();
  ASSERT_TRUE((*writer)->write(LogStream::kStdout, "one\ntwo\n", at(1)));
  ASSERT_TRUE((*writer)->write(LogStream::kStderr, "oops\n\n", at(2)));
  EXPECT_EQ(read_text(path_),
            "2026-12-07T06:20:52.000000001Z stdout F one\n"
            "2026-12-07T06:20:52.000000001Z stdout F two\n"
            "2026-12-07T06:20:52.000000002Z stderr F oops\n"
            "2026-12-07T06:20:52.000000002Z stderr F \n");
  struct stat st {};
  ASSERT_EQ(::stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);  // the agent's alone
}

TEST_F(LogFileTest, LinesWaitForTheirNewlinePerStreamAndLongOnesAreCut) {
  auto writer = LogFileWriter::create(path_, {.max_line = 8});
  ASSERT_TRUE(writer);
  ASSERT_TRUE((*writer)->write(LogStream::kStdout, "hel", at(1)));
  ASSERT_TRUE((*writer)->write(LogStream::kStderr, "err", at(2)));
  EXPECT_EQ(read_text(path_), "");  // nothing whole yet
  ASSERT_TRUE((*writer)->write(LogStream::kStdout, "lo\n", at(3)));
  ASSERT_TRUE((*writer)->write(LogStream::kStdout, "0123456789abcdefXY\nlast", at(4)));
  ASSERT_TRUE((*writer)->finish(LogStream::kStdout, at(5)));
  ASSERT_TRUE((*writer)->finish(LogStream::kStderr, at(6)));
  EXPECT_EQ(read_text(path_),
            "2026-12-07T06:20:52.000000003Z stdout F hello\n"
            "2026-12-07T06:20:52.000000004Z stdout P 01234567\n"
            "2026-12-07T06:20:52.000000004Z stdout P 89abcdef\n"
            "2026-12-07T06:20:52.000000004Z stdout F XY\n"
            "2026-12-07T06:20:52.000000005Z stdout P last\n"
            "2026-12-07T06:20:52.000000006Z stderr P err\n");
}

TEST_F(LogFileTest, RotatesBySizeKeepingGenerations) {
  auto writer = LogFileWriter::create(path_, {.max_bytes = 100, .keep = 2});
  ASSERT_TRUE(writer);
  std::string record = "2026-12-07T06:20:52.000000001Z stdout F " + std::string(20, 'a') + "\n";  // 61 bytes
  for (int i = 0; i < 7; ++i) ASSERT_TRUE((*writer)->write(LogStream::kStdout, std::string(20, 'a') + "\n", at(1)));
  // Two records pass 100 bytes: every second write rotates, and only two rotated parts stay.
  EXPECT_EQ(read_text(path_), record);
  EXPECT_EQ(read_text(rotated_log_path(path_, 1)), record + record);
  EXPECT_EQ(read_text(rotated_log_path(path_, 2)), record + record);
  EXPECT_FALSE(fs::exists(rotated_log_path(path_, 3)));
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
