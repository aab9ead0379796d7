// The `continue` token of a paged list: where the next page starts. Opaque to clients (base64 of a small JSON).
#pragma once

#include <optional>
#include <string>
#include <utility>

#include "common/result.h"

namespace kthena::apiserver {

struct ContinuePoint {
  int64_t rv = 0;  // the resourceVersion of the first page
  std::string ns;
  std::string name;
};

std::string encode_continue(const ContinuePoint& point);
// kBadRequest "continue key is not valid: ..." for anything we did not produce.
Result<ContinuePoint> decode_continue(const std::string& token);

}  // namespace kthena::apiserver
