// Hugging Face (huggingface_hub's snapshot_download, reduced to its HTTP calls) and ModelScope.
#include <fmt/format.h>

#include "downloader/network_sources.h"
#include "downloader/remote_listing.h"

namespace kthena::downloader {
namespace {

Headers auth_headers(const std::string& token) {
  if (token.empty()) return {};
  return {{"Authorization", "Bearer " + token}};
}

Result<RemotePlan> plan_hf(const HubSource& source, const PlanContext& c) {
  std::string endpoint = c.config.hf_endpoint;
  Headers headers = auth_headers(c.config.hf_token);
  // blobs=true adds each file's size, which the skip-if-present check and the progress lines need.
  std::string listing_url = fmt::format("{}/api/models/{}/revision/{}?blobs=true", endpoint, source.repo,
                                        url_escape(c.config.hf_revision, false));
  auto body = c.client.get_string(listing_url, headers);
  if (!body) return fail(body.error());
  auto listing = parse_hf_listing(*body);
  if (!listing) return fail(listing.error());
  // Files come from the commit the revision named when listed, so a push during the download cannot mix versions.
  std::string revision = listing->commit.empty() ? url_escape(c.config.hf_revision, false) : listing->commit;
  c.progress(fmt::format("listed {} files of {} at revision {}{} from {}", listing->files.size(), source.repo,
                         c.config.hf_revision, listing->commit.empty() ? "" : " (commit " + listing->commit + ")",
                         endpoint));
  return RemotePlan{std::move(listing->files), [endpoint, repo = source.repo, revision, headers](const RemoteFile& f) {
                      return FileRequest{
                          fmt::format("{}/{}/resolve/{}/{}", endpoint, repo, revision, url_escape(f.name, true)),
                          headers};
                    }};
}

Result<RemotePlan> plan_ms(const HubSource& source, const PlanContext& c) {
  std::string endpoint = c.config.ms_endpoint;
  Headers headers = auth_headers(c.config.ms_token);
  std::string revision = url_escape(c.config.ms_revision, false);
  std::string listing_url =
      fmt::format("{}/api/v1/models/{}/repo/files?Revision={}&Recursive=true", endpoint, source.repo, revision);
  auto body = c.client.get_string(listing_url, headers);
  if (!body) return fail(body.error());
  auto listing = parse_ms_listing(*body);
  if (!listing) return fail(listing.error());
  c.progress(fmt::format("listed {} files of {} at revision {} from {}", listing->files.size(), source.repo,
                         c.config.ms_revision, endpoint));
  return RemotePlan{std::move(listing->files), [endpoint, repo = source.repo, revision, headers](const RemoteFile& f) {
                      return FileRequest{fmt::format("{}/api/v1/models/{}/repo?Revision={}&FilePath={}", endpoint, repo,
                                                     revision, url_escape(f.name, false)),
                                         headers};
                    }};
}

}  // namespace

Result<RemotePlan> plan_hub(const HubSource& source, const PlanContext& context) {
  return source.hub == Hub::kModelScope ? plan_ms(source, context) : plan_hf(source, context);
}

}  // namespace kthena::downloader
