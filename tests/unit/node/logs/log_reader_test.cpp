#include "node/logs/log_reader.h"

#include <unistd.h>

#include <fstream>

#include <gtest/gtest.h>

#include "node/logs/log_file.h"

namespace kthena::node {
namespace {

namespace fs = std::filesystem;
using Step = LogReader::Step;

LogClock::time_point at_second(int s) {
  return LogClock::time_point(std::chrono::seconds(1796624452 + s));
}

class LogReaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "kthena-logread-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    path_ = dir_ / "c.log";
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::unique_ptr<LogFileWriter> writer(LogFileOptions options = {}) {
    auto w = LogFileWriter::create(path_, options);
    EXPECT_TRUE(w) << w.error().to_string();
    return w ? std::move(*w) : nullptr;
  }
  // "line 0" .. "line n-1", one a second from at_second(0), alternating stdout and stderr.
  void lines(LogFileWriter& w, int n) {
    for (int i = 0; i < n; ++i) {
      ASSERT_TRUE(
          w.write(i % 2 ? LogStream::kStderr : LogStream::kStdout, "line " + std::to_string(i) + "\n", at_second(i)));
    }
  }
  // Everything a reader gives until it ends (or idles, when following).
  std::string drain(LogReader& reader, Step* last = nullptr, size_t max_bytes = 64 * 1024) {
    std::string out;
    Step step;
    do {
      step = reader.read(out, max_bytes);
    } while (step == Step::kOutput);
    if (last) *last = step;
    return out;
  }
  std::string read_all(LogReadOptions options) {
    auto reader = LogReader::open(path_, options, nullptr);
    EXPECT_TRUE(reader) << reader.error().to_string();
    if (!reader) return "";
    Step last;
    std::string out = drain(*reader, &last);
    EXPECT_EQ(last, Step::kEnd);
    return out;
  }

  fs::path dir_;
  fs::path path_;
};

TEST_F(LogReaderTest, GivesBackTheOutputAsWritten) {
  auto w = writer();
  lines(*w, 3);
  EXPECT_EQ(read_all({}), "line 0\nline 1\nline 2\n");
  auto missing = LogReader::open(dir_ / "other.log", {}, nullptr);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
}

TEST_F(LogReaderTest, TailTakesTheLastLines) {
  auto w = writer({.max_line = 1 << 20});
  lines(*w, 5);
  EXPECT_EQ(read_all({.tail_lines = 2}), "line 3\nline 4\n");
  EXPECT_EQ(read_all({.tail_lines = 0}), "");
  EXPECT_EQ(read_all({.tail_lines = 100}), "line 0\nline 1\nline 2\nline 3\nline 4\n");
  // Across the reader's 64 KiB blocks. (Tail counts records: a line longer than max_line counts for its pieces.)
  std::string big(70 * 1024, 'x');
  ASSERT_TRUE(w->write(LogStream::kStdout, big + "\nend\n", at_second(9)));
  EXPECT_EQ(read_all({.tail_lines = 2}), big + "\nend\n");
}

TEST_F(LogReaderTest, SinceSkipsOlderLines) {
  auto w = writer();
  lines(*w, 5);
  EXPECT_EQ(read_all({.since = at_second(3)}), "line 3\nline 4\n");
  EXPECT_EQ(read_all({.since = at_second(3) + std::chrono::milliseconds(1)}), "line 4\n");
  EXPECT_EQ(read_all({.tail_lines = 3, .since = at_second(4)}), "line 4\n");
}

TEST_F(LogReaderTest, LimitBytesCutsTheOutputAnywhere) {
  auto w = writer();
  lines(*w, 3);
  EXPECT_EQ(read_all({.limit_bytes = 10}), "line 0\nlin");
  EXPECT_EQ(read_all({.limit_bytes = 7}), "line 0\n");
  // The timestamps count as output.
  EXPECT_EQ(read_all({.timestamps = true, .limit_bytes = 34}), "2026-12-07T06:20:52.000000000Z lin");
}

TEST_F(LogReaderTest, TimestampsPrefixEachLineOnce) {
  auto w = writer({.max_line = 4});
  ASSERT_TRUE(w->write(LogStream::kStdout, "abcdefgh\nxy\n", at_second(1)));
  ASSERT_TRUE(w->write(LogStream::kStdout, "tail", at_second(2)));
  ASSERT_TRUE(w->finish(LogStream::kStdout, at_second(3)));
  // A line cut into partial records is one line, with one time; the unterminated end has no newline.
  EXPECT_EQ(read_all({}), "abcdefgh\nxy\ntail");
  EXPECT_EQ(read_all({.timestamps = true}),
            "2026-12-07T06:20:53.000000000Z abcdefgh\n"
            "2026-12-07T06:20:53.000000000Z xy\n"
            "2026-12-07T06:20:55.000000000Z tail");
}

TEST_F(LogReaderTest, LinesOfAnOlderFormatPassAsTheyAre) {
  std::ofstream(path_) << "plain line\n2026-12-07T06:20:52.000000000Z stdout F record\nno newline at the end";
  EXPECT_EQ(read_all({}), "plain line\nrecord\nno newline at the end\n");
}

TEST_F(LogReaderTest, SmallReadsResumeWhereTheyStopped) {
  auto w = writer();
  lines(*w, 50);
  auto reader = LogReader::open(path_, {}, nullptr);
  ASSERT_TRUE(reader);
  std::string all = drain(*reader, nullptr, 16);
  EXPECT_EQ(all.substr(0, 14), "line 0\nline 1\n");
  EXPECT_EQ(all.size(), 10 * 7 + 40 * 8u);
}

TEST_F(LogReaderTest, FollowingGetsNewLinesAcrossRotationsUntilTheInstanceEnds) {
  auto w = writer({.max_bytes = 100, .keep = 3});  // a record is 41 bytes and more: every third write rotates
  bool writing = true;
  lines(*w, 1);
  auto reader = LogReader::open(path_, {.follow = true, .tail_lines = 1}, [&] { return writing; });
  ASSERT_TRUE(reader);
  Step last;
  EXPECT_EQ(drain(*reader, &last), "line 0\n");
  EXPECT_EQ(last, Step::kIdle);
  for (int i = 1; i <= 6; ++i) {
    ASSERT_TRUE(w->write(LogStream::kStdout, "more " + std::to_string(i) + "\n", at_second(i)));
    EXPECT_EQ(drain(*reader, &last), "more " + std::to_string(i) + "\n") << i;
    EXPECT_EQ(last, Step::kIdle);
  }
  EXPECT_TRUE(fs::exists(rotated_log_path(path_, 2)));  // it did rotate, twice
  // The instance ends: what it wrote last still comes, then the output ends.
  ASSERT_TRUE(w->write(LogStream::kStdout, "last words\n", at_second(9)));
  writing = false;
  EXPECT_EQ(drain(*reader, &last), "last words\n");
  EXPECT_EQ(last, Step::kEnd);
}

TEST_F(LogReaderTest, AFollowerBehindSeveralRotationsReadsEveryPartInOrder) {
  auto w = writer({.max_bytes = 90, .keep = 5});  // a record is 48 bytes: every second write rotates
  bool writing = true;
  auto reader = LogReader::open(path_, {.follow = true}, [&] { return writing; });
  ASSERT_TRUE(reader);
  Step last;
  EXPECT_EQ(drain(*reader, &last), "");
  EXPECT_EQ(last, Step::kIdle);
  // Eight lines, four rotations, before the follower looks again.
  std::string expected;
  for (int i = 0; i < 8; ++i) {
    std::string line = "burst " + std::to_string(i) + "\n";
    ASSERT_TRUE(w->write(LogStream::kStdout, line, at_second(i)));
    expected += line;
  }
  EXPECT_TRUE(fs::exists(rotated_log_path(path_, 4)));
  EXPECT_EQ(drain(*reader, &last, 16), expected);  // small reads: the parts are taken in steps, not all at once
  EXPECT_EQ(last, Step::kIdle);
  ASSERT_TRUE(w->write(LogStream::kStdout, "after\n", at_second(9)));
  writing = false;
  EXPECT_EQ(drain(*reader, &last), "after\n");
  EXPECT_EQ(last, Step::kEnd);
}

TEST_F(LogReaderTest, FollowingEndsWhenTheLogBecomesThePreviousOne) {
  auto w = writer();
  lines(*w, 1);
  bool writing = true;
  auto reader = LogReader::open(path_, {.follow = true}, [&] { return writing; });
  ASSERT_TRUE(reader);
  EXPECT_EQ(drain(*reader), "line 0\n");
  // The container restarts: its last line, then the log moves to <path>.1 and a new one begins.
  ASSERT_TRUE(w->write(LogStream::kStdout, "bye\n", at_second(5)));
  writing = false;
  ASSERT_TRUE(keep_previous_log(path_));
  auto next = writer();
  ASSERT_TRUE(next->write(LogStream::kStdout, "next instance\n", at_second(6)));
  Step last;
  EXPECT_EQ(drain(*reader, &last), "bye\n");
  EXPECT_EQ(last, Step::kEnd);
  // The previous instance's log reads as any other.
  auto previous = LogReader::open(previous_log_path(path_), {}, nullptr);
  ASSERT_TRUE(previous);
  EXPECT_EQ(drain(*previous), "line 0\nbye\n");
}

TEST_F(LogReaderTest, FollowingWithoutAWriterReadsToTheEnd) {
  auto w = writer();
  lines(*w, 2);
  auto reader = LogReader::open(path_, {.follow = true}, nullptr);
  ASSERT_TRUE(reader);
  Step last;
  EXPECT_EQ(drain(*reader, &last), "line 0\nline 1\n");
  EXPECT_EQ(last, Step::kEnd);
}

}  // namespace
}  // namespace kthena::node
