// Go's time.Duration text form ("10s", "1m30s", "100ms", "1.5h"): the form of metav1.Duration fields in manifests
// and of the duration-valued environment variables the router reads.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "common/result.h"

namespace kthena::api {

// Parses as Go's time.ParseDuration does: a sign, then one or more decimal numbers each followed by a unit
// (ns, us, µs, ms, s, m, h); "0" alone is allowed. Overflow and missing units are errors.
Result<std::chrono::nanoseconds> parse_go_duration(std::string_view text);

// Formats as Go's Duration.String(): "1m30s", "100ms", "0s".
std::string format_go_duration(std::chrono::nanoseconds d);

}  // namespace kthena::api
