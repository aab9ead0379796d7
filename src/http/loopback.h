// Whether a host (a name or an address, without a port) is this machine's loopback: "localhost", 127.0.0.0/8 or ::1.
// Servers that run without credentials use it to refuse other addresses, and to refuse requests addressed elsewhere.
#pragma once

#include <string_view>

namespace kthena::http {

bool is_loopback_host(std::string_view host);

// The host of an authority or Host header value: "127.0.0.1:6443" -> "127.0.0.1", "[::1]:6443" -> "::1",
// "localhost" -> "localhost". Empty for an unclosed bracket.
std::string_view authority_host(std::string_view authority);

}  // namespace kthena::http
