#include "apiserver/auth/authenticator.h"

#include <openssl/crypto.h>

#include "http/bearer_token.h"

namespace kthena::apiserver {

Identity anonymous_identity() {
  return {"system:anonymous", {"system:unauthenticated"}, false};
}

Identity admin_identity() {
  return {"kthena-admin", {"system:masters", "system:authenticated"}, false};
}

Identity component_identity(const std::string& component) {
  return {"system:kthena:" + component, {"system:kthena:components", "system:authenticated"}, true};
}

Authenticator::Authenticator(std::vector<std::pair<std::string, Identity>> tokens) : tokens_(std::move(tokens)) {}

const Identity* Authenticator::find(std::string_view token) const {
  const Identity* found = nullptr;
  for (const auto& [candidate, identity] : tokens_) {
    // No early exit: every entry is compared, so the time does not depend on which one matched.
    if (token.size() == candidate.size() && CRYPTO_memcmp(token.data(), candidate.data(), token.size()) == 0) {
      found = &identity;
    }
  }
  return found;
}

const Identity* Authenticator::authenticate(std::string_view authorization) const {
  std::string_view token = http::bearer_token(authorization);
  return token.empty() ? nullptr : find(token);
}

}  // namespace kthena::apiserver
