#include "api/values/human_duration.h"

#include <fmt/format.h>

#include "api/values/rfc3339_time.h"

namespace kthena::api {

std::string human_duration(std::chrono::seconds d) {
  long long s = d.count();
  if (s < -1) return "<invalid>";
  if (s < 0) return "0s";
  if (s < 60 * 2) return fmt::format("{}s", s);
  long long minutes = s / 60;
  if (minutes < 10) {
    long long rest = s % 60;
    return rest == 0 ? fmt::format("{}m", minutes) : fmt::format("{}m{}s", minutes, rest);
  }
  if (minutes < 60 * 3) return fmt::format("{}m", minutes);
  long long hours = s / 3600;
  if (hours < 8) {
    long long rest = minutes % 60;
    return rest == 0 ? fmt::format("{}h", hours) : fmt::format("{}h{}m", hours, rest);
  }
  if (hours < 48) return fmt::format("{}h", hours);
  if (hours < 24 * 8) {
    long long rest = hours % 24;
    return rest == 0 ? fmt::format("{}d", hours / 24) : fmt::format("{}d{}h", hours / 24, rest);
  }
  if (hours < 24 * 365 * 2) return fmt::format("{}d", hours / 24);
  if (hours < 24 * 365 * 8) {
    long long days = (hours / 24) % 365;
    return days == 0 ? fmt::format("{}y", hours / 24 / 365) : fmt::format("{}y{}d", hours / 24 / 365, days);
  }
  return fmt::format("{}y", hours / 24 / 365);
}

std::string age_of(std::string_view timestamp, std::chrono::system_clock::time_point now) {
  auto parsed = parse_rfc3339(timestamp);
  if (!parsed) return "<unknown>";
  return human_duration(std::chrono::duration_cast<std::chrono::seconds>(now - *parsed));
}

}  // namespace kthena::api
