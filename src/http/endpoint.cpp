#include "http/endpoint.h"

#include <charconv>

namespace kthena::http {

Endpoint::Endpoint(std::string host, uint16_t port, bool tls) : host_(std::move(host)), port_(port), tls_(tls) {
  bool v6 = host_.find(':') != std::string::npos;
  authority_ = (v6 ? "[" + host_ + "]" : host_) + ":" + std::to_string(port_);
  key_ = (tls_ ? "https://" : "http://") + authority_;
}

Result<Url> parse_url(std::string_view url) {
  auto bad = [&](std::string why) {
    return fail(ErrorCode::kInvalid, "invalid URL \"" + std::string(url) + "\": " + why);
  };
  bool tls = false;
  std::string_view rest = url;
  if (rest.starts_with("http://")) {
    rest.remove_prefix(7);
  } else if (rest.starts_with("https://")) {
    rest.remove_prefix(8);
    tls = true;
  } else {
    return bad("the scheme must be http or https");
  }
  size_t slash = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, slash);
  std::string target = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  if (target.front() == '?') target.insert(target.begin(), '/');
  if (authority.find('@') != std::string_view::npos) return bad("user information is not supported");
  std::string_view host = authority;
  std::string_view port_text;
  if (host.starts_with("[")) {
    size_t close = host.find(']');
    if (close == std::string_view::npos) return bad("unterminated IPv6 address");
    port_text = host.substr(close + 1);
    host = host.substr(1, close - 1);
    if (!port_text.empty() && port_text.front() != ':') return bad("junk after the IPv6 address");
    if (!port_text.empty()) port_text.remove_prefix(1);
  } else {
    size_t colon = host.rfind(':');
    if (colon != std::string_view::npos) {
      port_text = host.substr(colon + 1);
      host = host.substr(0, colon);
    }
  }
  if (host.empty()) return bad("no host");
  uint16_t port = tls ? 443 : 80;
  if (!port_text.empty()) {
    unsigned value = 0;
    auto r = std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
    if (r.ec != std::errc() || r.ptr != port_text.data() + port_text.size() || value == 0 || value > 65535) {
      return bad("invalid port \"" + std::string(port_text) + "\"");
    }
    port = static_cast<uint16_t>(value);
  }
  return Url{Endpoint(std::string(host), port, tls), std::move(target)};
}

}  // namespace kthena::http
