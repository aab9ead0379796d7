#include "downloader/sigv4.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <fmt/format.h>

#include "downloader/web_client.h"

namespace kthena::downloader {
namespace {

std::string hex(const unsigned char* data, size_t size) {
  std::string out;
  out.reserve(size * 2);
  for (size_t i = 0; i < size; ++i) out += fmt::format("{:02x}", data[i]);
  return out;
}

std::string hmac(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), out, &size);
  return std::string(reinterpret_cast<const char*>(out), size);
}

}  // namespace

std::string sha256_hex(std::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  return hex(digest, sizeof(digest));
}

std::string sigv4_query(const std::map<std::string, std::string>& query) {
  // Sorted by the encoded name; escaping keeps [A-Za-z0-9-._~] in order, so sorting the raw names agrees except for
  // names with escaped bytes, which S3's parameters never have.
  std::string out;
  for (const auto& [name, value] : query) {
    if (!out.empty()) out += '&';
    out += url_escape(name, false) + "=" + url_escape(value, false);
  }
  return out;
}

std::string sigv4_authorization(const SigV4Request& request, const SigV4Key& key, std::string_view amz_date) {
  std::string date(amz_date.substr(0, 8));
  std::string canonical_headers, signed_headers;
  for (const auto& [name, value] : request.headers) {
    canonical_headers += name + ":" + value + "\n";
    if (!signed_headers.empty()) signed_headers += ';';
    signed_headers += name;
  }
  std::string canonical_request =
      fmt::format("{}\n{}\n{}\n{}\n{}\n{}", request.method, request.path, sigv4_query(request.query), canonical_headers,
                  signed_headers, request.payload_hash);
  std::string scope = fmt::format("{}/{}/{}/aws4_request", date, key.region, key.service);
  std::string string_to_sign =
      fmt::format("AWS4-HMAC-SHA256\n{}\n{}\n{}", amz_date, scope, sha256_hex(canonical_request));
  std::string signing_key =
      hmac(hmac(hmac(hmac("AWS4" + key.secret_key, date), key.region), key.service), "aws4_request");
  std::string signature = hmac(signing_key, string_to_sign);
  return fmt::format("AWS4-HMAC-SHA256 Credential={}/{}, SignedHeaders={}, Signature={}", key.access_key, scope,
                     signed_headers, hex(reinterpret_cast<const unsigned char*>(signature.data()), signature.size()));
}

}  // namespace kthena::downloader
