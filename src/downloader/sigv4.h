// AWS Signature Version 4 for header-signed requests (S3 and OBS's S3 API), with OpenSSL's HMAC and SHA-256.
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace kthena::downloader {

struct SigV4Request {
  std::string method = "GET";
  std::string path = "/";                      // already URI-encoded (S3 encodes each key segment once)
  std::map<std::string, std::string> query;    // raw names and values; encoded and sorted while signing
  std::map<std::string, std::string> headers;  // lower-case names; all are signed (host and x-amz-date included)
  std::string payload_hash;                    // hex SHA-256 of the body, or "UNSIGNED-PAYLOAD"
};

struct SigV4Key {
  std::string access_key;
  std::string secret_key;
  std::string region;
  std::string service;
};

// The Authorization header's value. `amz_date` is the request's x-amz-date ("20150830T123600Z").
std::string sigv4_authorization(const SigV4Request& request, const SigV4Key& key, std::string_view amz_date);

// Hex SHA-256, for payload hashes.
std::string sha256_hex(std::string_view data);

// The canonical query string: names and values escaped as SigV4 requires, sorted by name.
std::string sigv4_query(const std::map<std::string, std::string>& query);

}  // namespace kthena::downloader
