// JSON text -> kthena::Json with nlohmann's parser, plus what the API needs beyond it: duplicate keys are errors
// (Kubernetes' strict decoding rejects them), nesting is bounded, and every error names "source:line:column".
#pragma once

#include <string_view>

#include "api/json.h"
#include "common/result.h"

namespace kthena::api {

// Maximum nesting of arrays and objects accepted from outside; deeper input is an error, never a stack overflow.
inline constexpr int kMaxNestingDepth = 512;

Result<Json> decode_json(std::string_view text, std::string_view source = "<input>");

}  // namespace kthena::api
