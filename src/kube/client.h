// A Kubernetes REST client: what controllers, the router and the CLI use to reach an API server, the embedded one
// or a real cluster's. Calls are blocking and thread-safe; the HTTP work happens on one reactor thread that the
// client owns, so calls must not be made from that thread (none of this library's callbacks run there).
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "api/json.h"
#include "common/result.h"
#include "kube/resource.h"
#include "kube/rest_config.h"

namespace kthena::kube {

class WatchStream;

enum class PatchType { kMerge, kJson, kStrategicMerge, kApply };

struct ListOptions {
  std::string label_selector;
  std::string field_selector;
  size_t limit = 500;  // page size; list() follows `continue` until the end
};

struct WatchOptions {
  std::string label_selector;
  std::string field_selector;
  std::string resource_version;  // "" or "0": start with the current objects
  bool bookmarks = true;
  std::chrono::seconds timeout{0};  // 0: the server's default
  // The watch ends with kTimeout once nothing (no event, no bookmark, not the response head) has arrived for this
  // long, so that a connection that died without a FIN (a paused server, a partition) is noticed. Needs a server that
  // sends bookmarks more often (Kubernetes: about every minute); 0: wait forever.
  std::chrono::milliseconds idle_timeout{0};
};

struct WriteOptions {
  std::string field_manager = "kthena";
  bool dry_run = false;
  bool force = false;  // server-side apply: take over conflicting fields
};

struct DeleteOptions {
  std::string propagation;  // "", "Background", "Foreground", "Orphan"
  std::optional<int64_t> grace_period_seconds;
  std::string precondition_uid;
  std::string precondition_resource_version;
};

struct RawResponse {
  int status = 0;
  std::string content_type;
  std::string body;
};

class KubeClient {
 public:
  static Result<std::shared_ptr<KubeClient>> create(RestConfig config);
  ~KubeClient();
  KubeClient(const KubeClient&) = delete;
  KubeClient& operator=(const KubeClient&) = delete;

  const RestConfig& config() const { return config_; }

  // Errors are the server's Status mapped onto ErrorCode (kNotFound, kAlreadyExists, kConflict, kInvalid, kGone,
  // ...), or kIo/kTimeout when the server cannot be reached.
  Result<Json> get(const Resource& resource, std::string_view ns, std::string_view name,
                   std::string_view subresource = {});
  // The whole collection as one List (pages joined); metadata.resourceVersion is that of the last page.
  Result<Json> list(const Resource& resource, std::string_view ns, const ListOptions& options = {});
  Result<Json> create(const Resource& resource, std::string_view ns, const Json& object,
                      const WriteOptions& options = {});
  // POST to a subresource of one object (a pod's "binding"): what the server answers.
  Result<Json> create_subresource(const Resource& resource, std::string_view ns, std::string_view name,
                                  std::string_view subresource, const Json& object);
  // PUT of `object` (its metadata names it; its resourceVersion is the precondition).
  Result<Json> update(const Resource& resource, const Json& object, std::string_view subresource = {},
                      const WriteOptions& options = {});
  Result<Json> update_status(const Resource& resource, const Json& object) {
    return update(resource, object, "status");
  }
  Result<Json> patch(const Resource& resource, std::string_view ns, std::string_view name, PatchType type,
                     const Json& patch, std::string_view subresource = {}, const WriteOptions& options = {});
  // The object as left (with deletionTimestamp while finalizers hold it), or the Status when it is gone.
  Result<Json> remove(const Resource& resource, std::string_view ns, std::string_view name,
                      const DeleteOptions& options = {});
  Result<std::unique_ptr<WatchStream>> watch(const Resource& resource, std::string_view ns,
                                             const WatchOptions& options = {});
  // A streamed GET of `target` (a pod's log with follow=true): the body in pieces, as they arrive, as events of
  // type "DATA" whose object is the text (a JSON string). The stream ends when the server ends the body; a non-2xx
  // answer ends it with the server's error. `idle_timeout` as for watches (0: wait forever).
  Result<std::unique_ptr<WatchStream>> stream(std::string_view target,
                                              std::chrono::milliseconds idle_timeout = std::chrono::milliseconds(0));

  // Any request; `target` is the path and query ("/version"). Non-2xx answers are returned, not mapped to errors.
  Result<RawResponse> request(std::string_view method, std::string_view target, std::string_view body = {},
                              std::string_view content_type = {});

  // Requests sent through request() (every call but watches), by method: what a controller costs the API server
  // (the controller-manager's rest_client_requests_total).
  struct RequestCounts {
    uint64_t get = 0, post = 0, put = 0, patch = 0, del = 0, other = 0;
  };
  RequestCounts request_counts() const;

  // The transport: opaque, named here only so that the implementation's coroutines can reach it.
  struct Impl;

 private:
  explicit KubeClient(RestConfig config);
  Result<Json> call(std::string_view method, std::string target, std::string body, std::string_view content_type);
  std::unique_ptr<WatchStream> start_stream(std::string target, std::chrono::milliseconds idle_timeout, bool raw);

  RestConfig config_;
  std::unique_ptr<Impl> impl_;
  std::atomic<uint64_t> counts_[6] = {};  // RequestCounts' order
};

// "a%3Db" for query strings.
std::string query_escape(std::string_view text);

}  // namespace kthena::kube
