// Standard base64 (RFC 4648 §4, padded), as Kubernetes uses it for Secret data and kubeconfig *-data fields.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace kthena {

std::string base64_encode(std::string_view bytes);
// Whitespace is ignored (PEM-style line breaks); anything else outside the alphabet is kBadRequest naming the
// offset. Missing padding is accepted.
Result<std::string> base64_decode(std::string_view text);

}  // namespace kthena
