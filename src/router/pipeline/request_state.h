// Everything one inference request carries through the pipeline, from the parsed body to the access-log entry.
// Lives in the handler coroutine's frame; belongs to its worker's thread.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "http/exchange.h"
#include "router/observability/access_log_entry.h"
#include "router/routes/route_table.h"
#include "router/scheduler/scheduler.h"
#include "router/server/worker.h"

namespace kthena::router {

struct RequestState {
  RequestState(http::Exchange& exchange, Worker& worker, const RouterSnapshot& snapshot)
      : ex(exchange), w(worker), snap(snapshot) {}

  http::Exchange& ex;
  Worker& w;
  const RouterSnapshot& snap;

  AccessLogEntry log;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point processed{};  // scheduled: the router's own work is done
  std::chrono::steady_clock::time_point upstream_started{};
  std::chrono::steady_clock::time_point upstream_ended{};

  std::string model;                      // the client-facing model
  std::string model_label;                // `model` when some route registers it, else "unknown"
  std::string_view path;                  // a view into the request's head, valid while the request is handled
  std::string_view path_label = "other";  // the metrics' `path` label (request_target.h)
  bool stream = false;                    // the client asked for a stream
  bool injected_usage = false;
  bool max_completion_tokens_set = false;
  int64_t input_tokens = 0;
  int64_t output_tokens = 0;

  // Destination, once resolved.
  std::string route_key;  // "ns/name" of the ModelRoute
  const ModelServerEntry* server = nullptr;
  std::string upstream_model;
  std::string upstream_body;       // aggregated, or PD decode, when it differs from the client's body
  std::string_view upstream_view;  // the body to send: upstream_body or the client's own bytes
  std::string prefill_body;        // PD only
  std::string owned_prompt;        // the prompt string, when scheduling has to suspend (kvcache-aware)
  std::vector<http::Header> upstream_headers;
  std::string_view request_id;  // the client's x-request-id, or generated_id
  std::array<char, 36> generated_id{};

  SchedulingContext sched;
  ScheduleResult picked;

  int status = 0;
  std::string finish_reason;  // metrics error_type when set explicitly
  bool counted = false;       // request metrics apply (the body parsed)
  bool downstream_counted = false;

  // Answers with an OpenAI-style error and records it in the access log (`log_type`) and the metrics (`reason`).
  // `headers` go with it (a 405's Allow).
  http::asio::awaitable<void> fail(int status, std::string_view message, std::string_view log_type,
                                   std::string_view reason = {}, std::span<const http::Header> headers = {});
  // Records metrics and the access-log entry. Call once, after the response.
  void finish();
};

}  // namespace kthena::router
