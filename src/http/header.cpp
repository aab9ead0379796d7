#include "http/header.h"

namespace kthena::http {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

bool is_framing_header(std::string_view name) {
  switch (name.size()) {
    case 10:
      return iequals(name, "connection") || iequals(name, "keep-alive");
    case 14:
      return iequals(name, "content-length");
    case 17:
      return iequals(name, "transfer-encoding");
    default:
      return false;
  }
}

std::string_view HeaderList::get(std::string_view name) const {
  for (const Header& h : items_) {
    if (iequals(h.name, name)) return h.value;
  }
  return {};
}

bool HeaderList::has(std::string_view name) const {
  for (const Header& h : items_) {
    if (iequals(h.name, name)) return true;
  }
  return false;
}

bool has_token(std::string_view value, std::string_view token) {
  while (!value.empty()) {
    size_t comma = value.find(',');
    std::string_view item = trim(value.substr(0, comma));
    if (iequals(item, token)) return true;
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return false;
}

}  // namespace kthena::http
