// Bearer-token authentication as the API server and the node's kubelet endpoint read it.
#pragma once

#include <string_view>

#include "http/header.h"

namespace kthena::http {

// The token of an `Authorization: Bearer <token>` value (scheme case-insensitive); empty when it is not one.
inline std::string_view bearer_token(std::string_view authorization) {
  constexpr std::string_view kBearer = "Bearer ";
  if (authorization.size() <= kBearer.size() || !iequals(authorization.substr(0, kBearer.size()), kBearer)) return {};
  return authorization.substr(kBearer.size());
}

}  // namespace kthena::http
