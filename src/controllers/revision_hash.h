// The revision label that controllers stamp on the objects they generate, so that a controller can tell "my
// desired object changed" from "nothing to do" by comparing one label (spec kthena-workload.md §2.3, §3.7).
//
// Upstream hashes a Go `spew` dump with FNV-1, which a C++ port cannot reproduce. Ours hashes a canonical JSON
// serialisation instead (docs/convert.md, "Revision labels"):
//   1. canonical JSON of the input: object keys sorted by byte value at every level, no whitespace, strings escaped
//      as nlohmann::json escapes them (UTF-8 kept), integers in decimal, floats in their shortest round-trip form;
//   2. FNV-1 32-bit (not FNV-1a) over those bytes, as upstream's fnv.New32;
//   3. the uint32 in decimal, each digit mapped through "456789bcdf" (apimachinery's SafeEncodeString of a decimal
//      string), giving upstream's alphabet and length: 1 to 10 characters, e.g. "58bd96d5d5".
// The result depends only on the value, never on key order or formatting of the source document.
#pragma once

#include <cstdint>
#include <string>

#include "api/json.h"

namespace kthena::controllers {

// Canonical JSON, step 1 above.
std::string canonical_json(const Json& value);

// FNV-1 32-bit, step 2.
uint32_t fnv1_32(std::string_view bytes);

// Steps 1 to 3.
std::string revision_hash(const Json& value);

}  // namespace kthena::controllers
