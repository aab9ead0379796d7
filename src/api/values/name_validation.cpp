#include "api/values/name_validation.h"

#include <fmt/format.h>

#include <algorithm>

namespace kthena::api {
namespace {

constexpr std::string_view kQualifiedNameFmt = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
constexpr std::string_view kQualifiedNameErr =
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
constexpr std::string_view kLabelValueFmt = "(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?";
constexpr std::string_view kLabelValueErr =
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and "
    "end with an alphanumeric character";
constexpr std::string_view kDns1123LabelFmt = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
constexpr std::string_view kDns1123LabelErr =
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with "
    "an alphanumeric character";
constexpr std::string_view kDns1123SubdomainFmt = "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";
constexpr std::string_view kDns1123SubdomainErr =
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and "
    "end with an alphanumeric character";
constexpr std::string_view kDns1035LabelFmt = "[a-z]([-a-z0-9]*[a-z0-9])?";
constexpr std::string_view kDns1035LabelErr =
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, "
    "and end with an alphanumeric character";

// validation.RegexError.
std::string regex_error(std::string_view msg, std::string_view fmt, std::initializer_list<std::string_view> examples) {
  std::string out(msg);
  if (examples.size() == 0) return out + " (regex used for validation is '" + std::string(fmt) + "')";
  out += " (e.g. ";
  bool first = true;
  for (std::string_view e : examples) {
    if (!first) out += " or ";
    first = false;
    out += "'" + std::string(e) + "', ";
  }
  return out + "regex used for validation is '" + std::string(fmt) + "')";
}

std::string max_len_error(size_t n) {
  return fmt::format("must be no more than {} characters", n);
}

bool alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}
bool lower_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

// ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]
bool matches_qualified(std::string_view s) {
  if (s.empty() || !alnum(s.front()) || !alnum(s.back())) return false;
  for (char c : s) {
    if (!alnum(c) && c != '-' && c != '_' && c != '.') return false;
  }
  return true;
}

// [a-z0-9]([-a-z0-9]*[a-z0-9])?
bool matches_dns1123_label(std::string_view s) {
  if (s.empty() || !lower_alnum(s.front()) || !lower_alnum(s.back())) return false;
  for (char c : s) {
    if (!lower_alnum(c) && c != '-') return false;
  }
  return true;
}

bool matches_dns1123_subdomain(std::string_view s) {
  size_t start = 0;
  while (true) {
    size_t dot = s.find('.', start);
    if (!matches_dns1123_label(s.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start))) {
      return false;
    }
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

std::string mask_trailing_dash(std::string_view name) {
  std::string s(name);
  if (s.size() > 1 && s.back() == '-') s.back() = 'a';
  return s;
}

}  // namespace

Messages is_qualified_name(std::string_view value) {
  Messages errs;
  std::string_view name = value;
  size_t slashes = static_cast<size_t>(std::count(value.begin(), value.end(), '/'));
  if (slashes > 1) {
    errs.push_back("a qualified name " +
                   regex_error(kQualifiedNameErr, kQualifiedNameFmt, {"MyName", "my.name", "123-abc"}) +
                   " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')");
    return errs;
  }
  if (slashes == 1) {
    size_t slash = value.find('/');
    std::string_view prefix = value.substr(0, slash);
    name = value.substr(slash + 1);
    if (prefix.empty()) {
      errs.push_back("prefix part must be non-empty");
    } else {
      for (const std::string& m : is_dns1123_subdomain(prefix)) errs.push_back("prefix part " + m);
    }
  }
  if (name.empty()) {
    errs.push_back("name part must be non-empty");
  } else if (name.size() > 63) {
    errs.push_back("name part " + max_len_error(63));
  }
  if (!matches_qualified(name)) {
    errs.push_back("name part " + regex_error(kQualifiedNameErr, kQualifiedNameFmt, {"MyName", "my.name", "123-abc"}));
  }
  return errs;
}

Messages is_valid_label_value(std::string_view value) {
  Messages errs;
  if (value.size() > 63) errs.push_back(max_len_error(63));
  if (!value.empty() && !matches_qualified(value)) {
    errs.push_back(regex_error(kLabelValueErr, kLabelValueFmt, {"MyValue", "my_value", "12345"}));
  }
  return errs;
}

Messages is_dns1123_subdomain(std::string_view value) {
  Messages errs;
  if (value.size() > 253) errs.push_back(max_len_error(253));
  if (!matches_dns1123_subdomain(value)) {
    errs.push_back(regex_error(kDns1123SubdomainErr, kDns1123SubdomainFmt, {"example.com"}));
  }
  return errs;
}

Messages is_dns1123_label(std::string_view value) {
  Messages errs;
  if (value.size() > 63) errs.push_back(max_len_error(63));
  if (!matches_dns1123_label(value)) {
    errs.push_back(regex_error(kDns1123LabelErr, kDns1123LabelFmt, {"my-name", "123-abc"}));
  }
  return errs;
}

Messages is_dns1035_label(std::string_view value) {
  Messages errs;
  if (value.size() > 63) errs.push_back(max_len_error(63));
  bool ok = matches_dns1123_label(value) && value.front() >= 'a' && value.front() <= 'z';
  if (!ok) errs.push_back(regex_error(kDns1035LabelErr, kDns1035LabelFmt, {"my-name", "abc-123"}));
  return errs;
}

Messages name_is_dns_subdomain(std::string_view name, bool prefix) {
  return is_dns1123_subdomain(prefix ? mask_trailing_dash(name) : std::string(name));
}
Messages name_is_dns_label(std::string_view name, bool prefix) {
  return is_dns1123_label(prefix ? mask_trailing_dash(name) : std::string(name));
}
Messages name_is_dns1035_label(std::string_view name, bool prefix) {
  return is_dns1035_label(prefix ? mask_trailing_dash(name) : std::string(name));
}

}  // namespace kthena::api
