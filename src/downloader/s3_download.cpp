// S3 and OBS: what upstream's `aws s3 sync s3://<bucket>/<prefix> <out>` does for a fresh folder, over S3's REST
// API with path-style URLs (<endpoint>/<bucket>/<key>), which OBS and MinIO accept too. ListObjectsV2 pages through
// the prefix; each object is a signed GetObject.
#include <ctime>

#include <fmt/format.h>

#include "downloader/network_sources.h"
#include "downloader/remote_listing.h"
#include "downloader/sigv4.h"

namespace kthena::downloader {
namespace {

struct Endpoint {
  std::string base;       // scheme://authority
  std::string authority;  // the Host header, which is signed
};

Result<Endpoint> parse_endpoint(const std::string& endpoint) {
  size_t scheme_end = endpoint.find("://");
  if (scheme_end == std::string::npos) return fail(ErrorCode::kInvalid, "is not a URL", "endpoint " + endpoint);
  size_t authority_end = endpoint.find('/', scheme_end + 3);
  Endpoint e;
  e.base = endpoint.substr(0, authority_end);
  e.authority = e.base.substr(scheme_end + 3);
  if (e.authority.empty()) return fail(ErrorCode::kInvalid, "names no host", "endpoint " + endpoint);
  return e;
}

std::string amz_now() {
  std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[20];
  std::strftime(text, sizeof(text), "%Y%m%dT%H%M%SZ", &utc);
  return text;
}

// A signed GET of `path` (already escaped) with `query`.
FileRequest signed_get(const Endpoint& e, const SigV4Key& key, std::string path,
                       const std::map<std::string, std::string>& query) {
  SigV4Request request;
  request.path = std::move(path);
  request.query = query;
  request.payload_hash = sha256_hex("");
  std::string date = amz_now();
  request.headers = {{"host", e.authority}, {"x-amz-content-sha256", request.payload_hash}, {"x-amz-date", date}};
  Headers headers{{"x-amz-content-sha256", request.payload_hash},
                  {"x-amz-date", date},
                  {"Authorization", sigv4_authorization(request, key, date)}};
  std::string url = e.base + request.path;
  if (!query.empty()) url += "?" + sigv4_query(query);
  return FileRequest{std::move(url), std::move(headers)};
}

}  // namespace

Result<void> check_s3_credentials(const DownloaderConfig& config) {
  if (config.access_key.empty() || config.secret_key.empty()) {
    return fail(ErrorCode::kUnauthorized,
                "Missing credentials: set access_key and secret_key in --config, or ACCESS_KEY and SECRET_KEY in the "
                "environment");
  }
  return {};
}

Result<RemotePlan> plan_s3(const S3Source& source, const PlanContext& c) {
  if (auto ok = check_s3_credentials(c.config); !ok) return fail(ok.error());
  auto endpoint = parse_endpoint(c.config.endpoint);
  if (!endpoint) return fail(endpoint.error());
  SigV4Key key{c.config.access_key, c.config.secret_key, c.config.region, "s3"};
  // `aws s3 sync` treats the source as a folder: its prefix ends with "/".
  std::string prefix = source.prefix;
  if (!prefix.empty() && prefix.back() != '/') prefix += '/';
  std::string bucket_path = "/" + url_escape(source.bucket, false);

  std::vector<RemoteFile> files;
  std::map<std::string, std::string> query{{"list-type", "2"}, {"prefix", prefix}};
  for (int page = 0;; ++page) {
    // A listing that never ends is a server bug or an attack; a million pages is 1e9 keys.
    if (page > 1000000) return fail(ErrorCode::kUnavailable, "the listing does not end", endpoint->base);
    FileRequest request = signed_get(*endpoint, key, bucket_path, query);
    auto body = c.client.get_string(request.url, request.headers);
    if (!body) return fail(body.error());
    auto listing = parse_s3_listing(*body, prefix);
    if (!listing) return fail(listing.error());
    for (RemoteFile& f : listing->files) files.push_back(std::move(f));
    if (!listing->continuation) break;
    query["continuation-token"] = *listing->continuation;
  }
  c.progress(
      fmt::format("listed {} objects under s3://{}/{} at {}", files.size(), source.bucket, prefix, endpoint->base));
  return RemotePlan{std::move(files), [e = *endpoint, key, bucket_path](const RemoteFile& f) {
                      return signed_get(e, key, bucket_path + "/" + url_escape(f.name, true), {});
                    }};
}

}  // namespace kthena::downloader
