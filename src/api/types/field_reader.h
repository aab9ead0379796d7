// Typed reads out of an admitted object (kthena::Json), each failure naming the field path, for the decoders of
// the typed views in this folder. Absent and null read as "not set"; a value of the wrong type is an error.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "api/field_error.h"
#include "api/json.h"
#include "common/result.h"

namespace kthena::api {

using Labels = std::map<std::string, std::string, std::less<>>;

// The member `key` of `object`, or nullptr when absent or null. `object` must be an object or null.
const Json* member(const Json& object, std::string_view key);

Result<std::optional<std::string>> read_string(const Json& object, std::string_view key, const FieldPath& path);
Result<std::string> read_required_string(const Json& object, std::string_view key, const FieldPath& path);
Result<std::optional<int64_t>> read_int(const Json& object, std::string_view key, const FieldPath& path);
Result<std::optional<bool>> read_bool(const Json& object, std::string_view key, const FieldPath& path);
Result<Labels> read_string_map(const Json& object, std::string_view key, const FieldPath& path);

// Fails unless `value` (at `path`) is an object (null allowed when `allow_null`).
Result<void> expect_object(const Json& value, const FieldPath& path, bool allow_null = true);

tl::unexpected<Error> type_error(const FieldPath& path, const Json& value, std::string_view expected);

}  // namespace kthena::api
