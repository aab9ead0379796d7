// Header fields as views. A parsed message's fields point into its connection's read buffer; a message being written
// takes views that only need to outlive the write call. Neither form allocates per field.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>
#include <vector>

namespace kthena::http {

struct Header {
  std::string_view name;
  std::string_view value;
};

inline char ascii_lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

// ASCII case-insensitive comparison, as HTTP field names and tokens require (locale-aware functions would be wrong
// and slow). Inline: most calls compare a field name with a literal of another length and end at the size test.
inline bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  }
  return true;
}

// Connection, Keep-Alive, Content-Length, Transfer-Encoding: the fields that frame a message. The server and the
// client write their own and drop the caller's, so that a proxy copying headers through cannot desynchronise them.
bool is_framing_header(std::string_view name);

// The fields of one parsed message, in arrival order. clear() keeps the capacity, so a connection that reuses its
// HeaderList stops allocating after its first requests.
class HeaderList {
 public:
  // The first field named `name` (case-insensitive), or "" when absent.
  std::string_view get(std::string_view name) const;
  bool has(std::string_view name) const;
  std::span<const Header> all() const { return items_; }
  size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }

  void add(std::string_view name, std::string_view value) { items_.push_back({name, value}); }
  void clear() { items_.clear(); }

 private:
  std::vector<Header> items_;
};

// True when the comma-separated list `value` holds `token` (case-insensitive), e.g. Connection: keep-alive, Upgrade.
bool has_token(std::string_view value, std::string_view token);

}  // namespace kthena::http
