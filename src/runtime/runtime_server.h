// `kthena runtime`: the sidecar a ModelBooster puts beside each engine (spec kthena-workload.md §7.1,
// docs/runtime.md). It serves the engine's metrics with the kthena:* standard names added, downloads models and
// LoRA adapters through the downloader library and has the engine load them.
//
// Threads: one reactor serves every request and owns the HTTP client to the engine; downloads, which block for
// minutes, run on a thread pool of their own so that /health and /metrics keep answering meanwhile. Downloads
// started with async_download continue after their request was answered; shutdown() waits for them.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include <boost/asio/thread_pool.hpp>

#include "common/result.h"
#include "http/client.h"
#include "http/endpoint.h"
#include "http/server.h"
#include "runtime/runtime_requests.h"
#include "runtime/standard_names.h"

namespace kthena::runtime {

struct RuntimeOptions {
  EngineKind engine = EngineKind::kVllm;
  std::string host = "0.0.0.0";
  uint16_t port = 9000;
  std::string engine_base_url = "http://localhost:8000";
  std::string engine_metrics_path = "/metrics";
  std::string pod;    // $(POD_NAME).$(NAMESPACE): names this engine in logs (and in the KV-event bridge upstream has)
  std::string model;  // the served model
  // Each call to the engine: connecting, its answer's head, and each further piece of its body (REQUEST_TIMEOUT).
  std::chrono::milliseconds request_timeout{30000};
  uint64_t max_body_size = 1024 * 1024;        // request bodies are a few hundred bytes of JSON
  size_t max_metrics_size = 64 * 1024 * 1024;  // an engine's /metrics answer
  size_t download_threads = 4;                 // downloads at once; more wait for a thread
};

class RuntimeServer {
 public:
  // Binds and starts serving. Fails naming the flag for a bad engine URL and the address when the port is taken.
  static Result<std::unique_ptr<RuntimeServer>> start(RuntimeOptions options);
  ~RuntimeServer();
  RuntimeServer(const RuntimeServer&) = delete;
  RuntimeServer& operator=(const RuntimeServer&) = delete;

  uint16_t port() const { return server_->port(); }

  // Stops accepting, lets requests in flight finish (for up to `grace`; a request waiting for its download waits
  // for it), waits for the background downloads and engine calls to end, and stops the threads. Idempotent. Not on
  // the reactor thread.
  void shutdown(std::chrono::milliseconds grace = std::chrono::seconds(10));

 private:
  explicit RuntimeServer(RuntimeOptions options);
  http::asio::awaitable<void> handle(http::Exchange& ex);
  http::asio::awaitable<void> metrics(http::Exchange& ex);
  http::asio::awaitable<void> load_lora(http::Exchange& ex);
  http::asio::awaitable<void> unload_lora(http::Exchange& ex);
  http::asio::awaitable<void> download_model(http::Exchange& ex);
  // The download on the thread pool, awaited on the reactor.
  http::asio::awaitable<Result<void>> download(const downloader::DownloadOptions& options);
  // POSTs `body` to the engine; the answer, or the failure to reach it.
  http::asio::awaitable<Result<http::BufferedResponse>> post_engine(std::string_view target, std::string_view body);
  // The engine's own LoRA endpoint: vLLM serves /v1/(un)load_lora_adapter, SGLang /(un)load_lora_adapter.
  std::string_view lora_path(bool unload) const;
  // Runs `work` after the request that asked for it was answered; shutdown() waits for it.
  void run_in_background(std::string what, http::asio::awaitable<void> work);
  http::asio::awaitable<void> background_lora_load(LoraLoadRequest request);
  http::asio::awaitable<void> background_download(DownloadRequest request);

  RuntimeOptions options_;
  http::Endpoint engine_;
  std::string engine_prefix_;  // the base URL's path, without its trailing '/'
  std::string engine_url_;     // for messages
  http::ReactorPool reactors_{1};
  std::unique_ptr<http::Client> client_;  // reactor thread only
  boost::asio::thread_pool downloads_;
  std::unique_ptr<http::Server> server_;

  std::mutex mu_;
  std::condition_variable background_done_;
  size_t background_ = 0;  // guarded by mu_: background jobs not finished
  bool stopped_ = false;   // guarded by mu_
};

}  // namespace kthena::runtime
