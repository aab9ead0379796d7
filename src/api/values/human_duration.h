// Ages as kubectl prints them ("0s", "5m", "3d4h"): apimachinery's duration.HumanDuration.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace kthena::api {

std::string human_duration(std::chrono::seconds d);
// The age of an RFC 3339 timestamp at `now`, or "<unknown>" when it does not parse.
std::string age_of(std::string_view timestamp, std::chrono::system_clock::time_point now);

}  // namespace kthena::api
