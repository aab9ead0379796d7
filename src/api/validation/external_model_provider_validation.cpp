#include "api/validation/external_model_provider_validation.h"

#include <cctype>
#include <string>
#include <string_view>

#include "api/validation/json_view.h"

namespace kthena::api {
namespace {

using validation::member;
using validation::string_or;

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  }
  return true;
}

// RFC 7230 tchar, as Go's httpguts.ValidHeaderFieldName.
bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    bool ok = std::isalnum(static_cast<unsigned char>(c)) ||
              std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

// httpguts.ValidHeaderFieldValue: no control characters other than horizontal tab.
bool is_valid_header_value(std::string_view s) {
  for (char c : s) {
    auto b = static_cast<unsigned char>(c);
    if ((b < ' ' && b != '\t') || b == 0x7f) return false;
  }
  return true;
}

enum class UrlProblem { kNone, kNotHttps, kHasExtras };

// What upstream's url.Parse-based check concludes about baseURL: it must parse, use https and name a host, and may
// carry neither userinfo nor a query nor a fragment.
UrlProblem check_base_url(std::string_view url) {
  for (char c : url) {
    auto b = static_cast<unsigned char>(c);
    if (b < 0x20 || b == 0x7f) return UrlProblem::kNotHttps;  // net/url: invalid control character in URL
  }
  size_t colon = url.find(':');
  if (colon == std::string_view::npos || !iequals(url.substr(0, colon), "https")) return UrlProblem::kNotHttps;
  std::string_view rest = url.substr(colon + 1);
  if (rest.substr(0, 2) != "//") return UrlProblem::kNotHttps;
  rest.remove_prefix(2);
  size_t fragment = rest.find('#');
  bool has_fragment = fragment != std::string_view::npos && fragment + 1 < rest.size();
  rest = rest.substr(0, fragment);
  size_t query = rest.find('?');
  bool has_query = query != std::string_view::npos && query + 1 < rest.size();
  rest = rest.substr(0, query);
  std::string_view authority = rest.substr(0, rest.find('/'));
  size_t at = authority.rfind('@');
  bool has_user = at != std::string_view::npos;
  std::string_view host = has_user ? authority.substr(at + 1) : authority;
  if (host.empty()) return UrlProblem::kNotHttps;
  std::string_view port;
  if (host.front() == '[') {
    size_t close = host.find(']');
    if (close == std::string_view::npos) return UrlProblem::kNotHttps;
    port = host.substr(close + 1);
    if (!port.empty() && port.front() != ':') return UrlProblem::kNotHttps;
  } else if (size_t c = host.rfind(':'); c != std::string_view::npos) {
    port = host.substr(c);
    host = host.substr(0, c);
    if (host.empty()) return UrlProblem::kNotHttps;
  }
  for (size_t i = 1; i < port.size(); ++i) {
    if (!std::isdigit(static_cast<unsigned char>(port[i]))) return UrlProblem::kNotHttps;
  }
  for (char c : host) {
    if (c == ' ' || c == '"' || c == '<' || c == '>' || c == '\\' || c == '^' || c == '`' || c == '{' || c == '|' ||
        c == '}') {
      return UrlProblem::kNotHttps;  // url.Parse: invalid character in host name
    }
  }
  return has_user || has_query || has_fragment ? UrlProblem::kHasExtras : UrlProblem::kNone;
}

}  // namespace

bool is_reserved_provider_header(std::string_view name) {
  for (std::string_view reserved :
       {"Authorization", "Proxy-Authorization", "Cookie", "X-API-Key", "Host", "Content-Length", "Connection",
        "Keep-Alive", "Proxy-Connection", "Transfer-Encoding", "Upgrade", "Trailer", "TE"}) {
    if (iequals(name, reserved)) return true;
  }
  return false;
}

FieldErrors validate_external_model_provider(const Json& object, const Json* /*old_object*/) {
  FieldErrors errs;
  const Json* spec = member(object, "spec");
  FieldPath spec_path("spec");

  std::string provider_type = string_or(member(spec, "providerType"));
  if (!provider_type.empty() && provider_type != "OpenAI" && provider_type != "Anthropic") {
    errs.push_back(not_supported(spec_path.child("providerType"), provider_type, {"OpenAI", "Anthropic"}));
  }

  std::string base_url = string_or(member(spec, "baseURL"));
  switch (check_base_url(base_url)) {
    case UrlProblem::kNotHttps:
      errs.push_back(invalid(spec_path.child("baseURL"), base_url, "baseURL must use https"));
      break;
    case UrlProblem::kHasExtras:
      errs.push_back(
          invalid(spec_path.child("baseURL"), base_url, "baseURL must not contain userinfo, query, or fragment"));
      break;
    case UrlProblem::kNone:
      break;
  }

  if (const Json* headers = member(spec, "headers"); headers != nullptr && headers->is_object()) {
    for (auto it = headers->begin(); it != headers->end(); ++it) {
      FieldPath header_path = spec_path.child("headers").key(it.key());
      if (!is_token(it.key())) {
        errs.push_back(invalid(header_path, it.key(), "header name is invalid"));
        continue;
      }
      if (is_reserved_provider_header(it.key())) {
        errs.push_back(
            invalid(header_path, it.key(), "header is reserved and cannot be configured as a static header"));
      }
      std::string value = string_or(&it.value());
      if (!is_valid_header_value(value)) errs.push_back(invalid(header_path, value, "header value is invalid"));
    }
  }

  if (const Json* auth = member(spec, "auth")) {
    FieldPath auth_path = spec_path.child("auth");
    std::string scheme = string_or(member(*auth, "scheme"));
    if (!scheme.empty() && scheme != "Bearer" && scheme != "APIKey") {
      errs.push_back(not_supported(auth_path.child("scheme"), scheme, {"Bearer", "APIKey"}));
    }
    const Json* secret_ref = member(*auth, "secretRef");
    FieldPath ref_path = auth_path.child("secretRef");
    if (string_or(member(secret_ref, "name")).empty()) {
      errs.push_back(required(ref_path.child("name"), "secret name is required"));
    }
    if (string_or(member(secret_ref, "key")).empty()) {
      errs.push_back(required(ref_path.child("key"), "secret key is required"));
    }
    if (validation::is_true(member(secret_ref, "optional"))) {
      errs.push_back(invalid(ref_path.child("optional"), true, "optional must be false or unset"));
    }
  }
  return errs;
}

}  // namespace kthena::api
