// The inference listener's handler (kthena-router.md §2.3, §3): health and readiness, the model list, and every
// /v1/* request through parse -> route -> resolve -> schedule -> proxy. Stateless itself: per-thread state is in
// the Worker of the reactor the request arrived on, shared state in the snapshot it pins.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/exchange.h"
#include "router/pipeline/request_state.h"
#include "router/server/worker.h"

namespace kthena::router {

struct PipelineOptions {
  bool serve_metrics = false;  // --expose-metrics-on-router-port: also answer /metrics here
  const MetricsRegistry* registry = nullptr;
};

class RequestPipeline {
 public:
  // `workers` is indexed like the reactors of the pool that serves the listener; it must outlive the pipeline.
  RequestPipeline(const std::vector<std::unique_ptr<Worker>>& workers, PipelineOptions options)
      : workers_(workers), options_(options), pools_(workers.size()) {}

  // The http::Handler of the inference listener.
  http::asio::awaitable<void> handle(http::Exchange& ex);

 private:
  // Why a request is answered with an error before it reaches a pod.
  struct Refusal {
    int status;
    std::string message;
    std::string_view log_type;
    std::string_view reason = {};
  };

  size_t worker_index(http::Exchange& ex) const;
  // The access-log fields known from the head, and the request id.
  static void begin(RequestState& st);
  // The whole body, when it did not arrive with the head; nullopt when it could not be read (the server then answers
  // 413 or 400 and closes).
  static http::asio::awaitable<std::optional<std::string_view>> read_body(RequestState& st);
  // Parses, routes and resolves the ModelServer; sets up the scheduling context.
  static std::optional<Refusal> prepare(RequestState& st, std::string_view body);
  // Picks the pods.
  static std::optional<Refusal> schedule(RequestState& st);

  // Request states kept for reuse, one pool per worker, used only on that worker's thread. A state is larger than
  // what Asio's per-thread frame cache holds: in the handler's coroutine frame it costs a large malloc per request.
  struct StatePool {
    std::vector<std::unique_ptr<std::optional<RequestState>>> free;
  };
  class PooledState;

  const std::vector<std::unique_ptr<Worker>>& workers_;
  PipelineOptions options_;
  std::vector<StatePool> pools_;
};

}  // namespace kthena::router
