// The generic document type of every API object. Objects keep their key order, so that what a user wrote (and
// the order the schema declares) survives a round trip through storage and printing.
#pragma once

#include <nlohmann/json.hpp>

namespace kthena {

using Json = nlohmann::ordered_json;

}  // namespace kthena
