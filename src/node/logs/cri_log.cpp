#include "node/logs/cri_log.h"

#include <ctime>

#include <fmt/format.h>

namespace kthena::node {

std::string cri_timestamp(LogClock::time_point t) {
  auto since_epoch = std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
  std::time_t seconds = static_cast<std::time_t>(since_epoch / 1'000'000'000);
  int64_t nanos = since_epoch % 1'000'000'000;
  if (nanos < 0) {
    nanos += 1'000'000'000;
    --seconds;
  }
  std::tm tm{};
  ::gmtime_r(&seconds, &tm);
  return fmt::format("{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}.{:09d}Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                     tm.tm_hour, tm.tm_min, tm.tm_sec, nanos);
}

void append_cri_record(std::string& out, std::string_view timestamp, LogStream stream, bool partial,
                       std::string_view content) {
  out.append(timestamp);
  out.append(stream == LogStream::kStdout ? " stdout " : " stderr ");
  out.append(partial ? "P " : "F ");
  out.append(content);
  out.push_back('\n');
}

std::optional<CriRecord> parse_cri_record(std::string_view line) {
  // The kubelet's parser: three fields separated by single spaces, then the content (which may be empty).
  CriRecord record;
  size_t space = line.find(' ');
  if (space == std::string_view::npos || space == 0) return std::nullopt;
  record.timestamp = line.substr(0, space);
  if (record.timestamp.size() < 20 || record.timestamp[4] != '-' || record.timestamp[10] != 'T') return std::nullopt;
  line.remove_prefix(space + 1);
  space = line.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  record.stream = line.substr(0, space);
  if (record.stream != "stdout" && record.stream != "stderr") return std::nullopt;
  line.remove_prefix(space + 1);
  // The tag, then one space before the content; an empty content may come without it.
  if (line.empty() || (line[0] != 'F' && line[0] != 'P')) return std::nullopt;
  if (line.size() > 1 && line[1] != ' ') return std::nullopt;
  record.partial = line[0] == 'P';
  record.content = line.size() > 1 ? line.substr(2) : std::string_view();
  return record;
}

}  // namespace kthena::node
