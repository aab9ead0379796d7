// Where a client connects: scheme, host and port, with the pool key and the Host header value computed once, so a
// proxy that keeps one Endpoint per backend pod does no string work per request.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace kthena::http {

class Endpoint {
 public:
  Endpoint() = default;
  Endpoint(std::string host, uint16_t port, bool tls = false);

  const std::string& host() const { return host_; }
  uint16_t port() const { return port_; }
  bool tls() const { return tls_; }
  // "host:port" ([v6]:port), the Host header value.
  const std::string& authority() const { return authority_; }
  // "http://host:port" or "https://host:port": the pool key.
  const std::string& key() const { return key_; }

 private:
  std::string host_;
  uint16_t port_ = 0;
  bool tls_ = false;
  std::string authority_;
  std::string key_;
};

struct Url {
  Endpoint endpoint;
  std::string target;  // path and query, "/" when the URL has none
};

// Parses "http://host[:port][/path][?query]" and https. Errors name the URL and what is wrong.
Result<Url> parse_url(std::string_view url);

}  // namespace kthena::http
