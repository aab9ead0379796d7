// A container's log file: rotation by size, and the previous instance's log kept for `kubectl logs --previous`.
// Called by the agent, not by ContainerProcess: rotation runs on the agent's schedule, and a restart is the agent's
// decision.
#pragma once

#include <cstdint>
#include <filesystem>

#include "common/result.h"

namespace kthena::node {

// Where keep_previous_log() puts the previous instance's log: "<path>.1".
std::filesystem::path previous_log_path(const std::filesystem::path& path);
// The n-th rotated generation (1 is the newest): "<path>.rotated.<n>".
std::filesystem::path rotated_log_path(const std::filesystem::path& path, int n);

// When `path` holds at least `max_bytes`, its content moves to rotated generation 1 (older ones shift down, at
// most `keep` stay) and `path` is truncated to nothing; returns whether it rotated. Copy then truncate, because the
// running container holds the file open: renaming would leave it writing into the rotated file. The descriptor is
// O_APPEND, so after the truncation its writes go to the new end (offset 0), not past a hole. Lines written between
// the copy and the truncation are lost, as with logrotate's copytruncate.
Result<bool> rotate_log(const std::filesystem::path& path, int64_t max_bytes, int keep);

// Before a container restarts: its log becomes previous_log_path() (replacing the one before) and the rotated
// generations of that instance go, so that the new instance starts an empty log.
Result<void> keep_previous_log(const std::filesystem::path& path);

}  // namespace kthena::node
