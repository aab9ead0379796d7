// RFC 3339 times as Kubernetes writes them: metav1.Time is "2006-01-02T15:04:05Z" (UTC, whole seconds),
// metav1.MicroTime "2006-01-02T15:04:05.000000Z". Parsing accepts what Go's time.Parse(time.RFC3339) accepts:
// fractional seconds and numeric offsets, which are converted to UTC.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "common/result.h"

namespace kthena::api {

using Time = std::chrono::sys_time<std::chrono::nanoseconds>;

Result<Time> parse_rfc3339(std::string_view text);
std::string format_rfc3339(Time t);        // seconds, truncated, "Z"
std::string format_rfc3339_micro(Time t);  // six fractional digits, "Z"
std::string format_rfc3339_nano(Time t);   // Go's RFC3339Nano: up to nine digits, trailing zeros dropped
// The current time as metav1.Time / metav1.MicroTime write it (conditions, timestamps the controllers stamp).
std::string now_rfc3339();
std::string now_rfc3339_micro();

}  // namespace kthena::api
