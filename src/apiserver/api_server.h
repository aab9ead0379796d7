// The embedded Kubernetes API server: `kthena apiserver --data-dir DIR`. Owns the store, the object service, the
// garbage collector and the HTTPS listener, and writes DIR/kubeconfig (the administrator's, for kubectl) and
// DIR/components/<component>.kubeconfig (controller-manager, node, router: an identity each), so that kubectl and
// the kthena components reach it like any Kubernetes API server.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include "api/registry/openapi.h"
#include "apiserver/builtin_objects.h"
#include "apiserver/object_service.h"
#include "apiserver/served_resources.h"
#include "apiserver/storage/store.h"
#include "common/result.h"

namespace kthena::apiserver {

struct ApiServerOptions {
  std::filesystem::path data_dir;
  std::string listen = "127.0.0.1:6443";  // host:port; port 0 picks a free one
  // TLS with a CA generated into DIR/pki, and bearer-token authentication. Without TLS kubectl sends no token, so
  // plain HTTP serves anonymous clients and is allowed on loopback addresses only.
  bool tls = true;
  size_t max_body_bytes = 3 * 1024 * 1024;
  // Each identity's share (per remote address when anonymous; the platform's components get twice it): requests
  // in flight, then up to request_queue_length waiting up to request_queue_wait, then 429. Watches do not wait.
  size_t max_requests_per_client = 64;
  size_t request_queue_length = 1024;
  std::chrono::milliseconds request_queue_wait{15000};
  size_t max_watches_per_client = 512;
  // A log line per answered request (method, path, user, code, latency): "none", "errors" (code >= 400) or "all".
  std::string request_log = "none";
  size_t reactor_threads = 2;
  size_t blocking_threads = 4;
  StoreOptions store;
  std::chrono::milliseconds min_watch_timeout{std::chrono::minutes(30)};
  std::chrono::milliseconds bookmark_interval{std::chrono::seconds(10)};
  std::chrono::milliseconds gc_period{std::chrono::seconds(30)};
};

// What the API model contributes: the kinds served, their OpenAPI documents, admission and merge rules.
struct ApiModel {
  std::vector<ServedResource> resources;
  const api::OpenApi* openapi = nullptr;  // must outlive the server; null: no OpenAPI documents
  AdmitFn admit;
  MergeRulesFn merge_rules;
  // Held from the start (the CRDs of the custom kinds): see ensure_builtin_objects.
  std::vector<BuiltinObject> builtin_objects;
};

class ApiServer {
 public:
  // Opens the data directory, listens, and returns once the server answers requests. Fails with one line naming
  // what is wrong (the address is taken, the directory is locked by another server, an insecure listen address).
  static Result<std::unique_ptr<ApiServer>> start(ApiServerOptions options, ApiModel model);
  ~ApiServer();
  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;

  // Stops accepting, ends watches, lets requests in flight finish (up to `grace`), stops the collector. Idempotent.
  void shutdown(std::chrono::milliseconds grace = std::chrono::seconds(5));

  uint16_t port() const;
  std::string url() const;  // "https://127.0.0.1:6443"
  std::filesystem::path kubeconfig_path() const;
  const std::string& token() const;
  const std::string& ca_pem() const;

  // For in-process callers (tests, `kthena up`).
  Store& store();
  ObjectService& objects();
  const ServedResources& resources() const;

 private:
  struct Parts;
  explicit ApiServer(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

}  // namespace kthena::apiserver
