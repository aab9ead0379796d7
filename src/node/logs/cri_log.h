// CRI's container log format, as containerd writes it and the kubelet reads it: one record per line,
// "<time> <stream> <tag> <content>\n", the time in RFC 3339 with nine fractional digits in UTC, the stream "stdout" or
// "stderr", the tag "F" for a full line or "P" for a partial one that the next record of that stream continues (a
// line longer than the writer's buffer, or output that ended without a newline). The time per line is what
// `kubectl logs --timestamps` and `--since` need; the stream and tag let a reader give back the bytes as written.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace kthena::node {

enum class LogStream { kStdout, kStderr };

using LogClock = std::chrono::system_clock;

// "2026-12-07T06:20:52.123456789Z": always 35 characters, so records sort and compare as text.
std::string cri_timestamp(LogClock::time_point t);

// Appends one record: `content` must hold no newline.
void append_cri_record(std::string& out, std::string_view timestamp, LogStream stream, bool partial,
                       std::string_view content);

struct CriRecord {
  std::string_view timestamp;
  std::string_view stream;
  bool partial = false;
  std::string_view content;
};

// One line of a log file, without its newline; nullopt when it is not a CRI record (a file written before the agent
// wrote this format, or damaged): the caller shows such a line as it is.
std::optional<CriRecord> parse_cri_record(std::string_view line);

}  // namespace kthena::node
