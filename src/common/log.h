// Process-wide logging goes through spdlog's default logger, configured once by the CLI before any role starts.
#pragma once

#include <string_view>

#include <spdlog/spdlog.h>

namespace kthena {

// level: trace|debug|info|warn|error|off. Logs go to stderr so that stdout stays machine-readable.
void setup_logging(std::string_view level);

}  // namespace kthena
