#include "controllers/modelbooster/cache_volume.h"

#include <openssl/evp.h>

#include <cctype>
#include <optional>

#include "common/assert.h"

namespace kthena::controllers::modelbooster {
namespace {

constexpr std::string_view kPvcPrefix = "pvc://";
constexpr std::string_view kHostPathPrefix = "hostpath://";

std::string_view trim_slashes(std::string_view s) {
  while (!s.empty() && s.front() == '/') s.remove_prefix(1);
  while (!s.empty() && s.back() == '/') s.remove_suffix(1);
  return s;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Go's url.PathUnescape: "%XX" decoded, a malformed escape is an error.
std::optional<std::string> unescape(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out.push_back(s[i]);
      continue;
    }
    const int hi = i + 1 < s.size() ? hex_value(s[i + 1]) : -1;
    const int lo = i + 2 < s.size() ? hex_value(s[i + 2]) : -1;
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

// The characters Go's url.Parse accepts in a host (its shouldEscape(c, encodeHost) is false for them).
bool valid_host(std::string_view host) {
  for (char c : host) {
    if (std::isalnum(static_cast<unsigned char>(c))) continue;
    if (std::string_view("-._~!$&'()*+,;=:[]<>\"").find(c) != std::string_view::npos) continue;
    return false;
  }
  // A port after the last ':' (outside an IPv6 literal) must be all digits.
  const size_t colon = host.rfind(':');
  if (colon != std::string_view::npos && host.find(']', colon) == std::string_view::npos) {
    for (char c : host.substr(colon + 1)) {
      if (!std::isdigit(static_cast<unsigned char>(c))) return false;
    }
  }
  return true;
}

}  // namespace

std::string cache_path(std::string_view uri) {
  const size_t sep = uri.find("://");
  if (sep == std::string_view::npos) return "";
  std::string_view rest = uri.substr(sep + 3);
  rest = rest.substr(0, rest.find('#'));
  rest = rest.substr(0, rest.find('?'));
  const size_t slash = rest.find('/');
  std::string_view host = rest.substr(0, slash);
  rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
  const size_t at = host.rfind('@');
  if (at != std::string_view::npos) host.remove_prefix(at + 1);
  if (!valid_host(host)) return "";
  std::optional<std::string> path = unescape(rest);
  if (!path) return "";
  const std::string joined = std::string(host) + *path;
  return "/" + std::string(trim_slashes(joined));
}

std::string pvc_claim_name(std::string_view uri) {
  if (uri.substr(0, kPvcPrefix.size()) == kPvcPrefix) uri.remove_prefix(kPvcPrefix.size());
  return std::string(trim_slashes(uri));
}

std::string model_mount_path(std::string_view model_uri) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  const int ok = EVP_Digest(model_uri.data(), model_uri.size(), digest, &size, EVP_md5(), nullptr);
  KTHENA_ASSERT(ok == 1 && size == 16, "OpenSSL's default provider always has MD5");
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "/";
  for (unsigned int i = 0; i < size; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 0xf]);
  }
  return out;
}

std::string cache_volume_name(std::string_view backend_name) {
  return std::string(backend_name) + "-weights";
}

Result<Json> build_cache_volume(const ModelBackend& backend) {
  const FieldPath field("spec.backend.cacheURI");
  const std::string& uri = backend.cache_uri;
  const std::string name = cache_volume_name(backend.name);
  if (uri.empty()) {
    return field_failure(required(field,
                                  "the model is downloaded into this cache: use hostpath://<dir> or "
                                  "pvc://<claim>"));
  }
  if (uri.rfind(kPvcPrefix, 0) == 0) {
    std::string claim = pvc_claim_name(uri);
    if (claim.empty()) return field_failure(invalid(field, uri, "the PVC claim name is empty"));
    return Json{{"name", name}, {"persistentVolumeClaim", {{"claimName", claim}}}};
  }
  if (uri.rfind(kHostPathPrefix, 0) == 0) {
    std::string path = cache_path(uri);
    // "hostpath:///" would mount the node's root directory.
    if (path.empty() || path == "/") return field_failure(invalid(field, uri, "the host path is empty"));
    return Json{{"name", name}, {"hostPath", {{"path", path}, {"type", "DirectoryOrCreate"}}}};
  }
  return field_failure(invalid(field, uri, "not support prefix in CacheURI: " + uri));
}

}  // namespace kthena::controllers::modelbooster
