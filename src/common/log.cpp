#include "common/log.h"

#include <spdlog/sinks/stdout_color_sinks.h>

namespace kthena {

void setup_logging(std::string_view level) {
  auto logger = spdlog::stderr_color_mt("kthena");
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %^%l%$ %v");
  logger->set_level(spdlog::level::from_str(std::string(level)));
  spdlog::set_default_logger(std::move(logger));
}

}  // namespace kthena
