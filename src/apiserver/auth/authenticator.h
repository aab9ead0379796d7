// Bearer tokens to identities. Built once at start from the data directory's token files, read-only afterwards.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "apiserver/auth/identity.h"

namespace kthena::apiserver {

class Authenticator {
 public:
  Authenticator() = default;  // no tokens: every request is anonymous (plain HTTP on loopback)
  explicit Authenticator(std::vector<std::pair<std::string, Identity>> tokens);

  bool anonymous() const { return tokens_.empty(); }
  // The identity of an `Authorization: Bearer <token>` header; null when no token matches. Every token is compared
  // in constant time, so neither the timing nor which entry matched tells anything about the tokens.
  const Identity* authenticate(std::string_view authorization) const;
  // The identity of a bare token (TokenReview); null when none matches.
  const Identity* find(std::string_view token) const;

 private:
  std::vector<std::pair<std::string, Identity>> tokens_;
};

}  // namespace kthena::apiserver
