// How upstream's Go code prints values into engine command lines and template strings. Matching it byte for byte
// is what keeps our generated commands identical to upstream's (e.g. `--max-num-batched-tokens 1e+06`).
#pragma once

#include <string>

#include "api/json.h"

namespace kthena::controllers::modelbooster {

// Go's "%v" of a number held in `value`. A float64 prints as strconv's shortest %g: the fewest digits that
// round-trip, in exponent form when the decimal exponent is < -4 or >= 6 ("1e+06", "2.097152e+06", "123456",
// "1e-05"). Integers print in decimal unless `as_float64` is set, in which case they go through float64 first, as
// every number decoded into Go's interface{} does (so 1000000 prints as "1e+06").
std::string go_format_number(const Json& value, bool as_float64);

// Go's strconv.ParseBool: "1", "t", "T", "TRUE", "true", "True" and their false counterparts; anything else is
// not a bool.
bool go_parse_bool(const std::string& text, bool& out);

}  // namespace kthena::controllers::modelbooster
