#include "router/pipeline/request_state.h"

#include "router/pipeline/error_response.h"

namespace kthena::router {
namespace {

int64_t ms(std::chrono::steady_clock::duration d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

std::string_view or_none(std::string_view s) {
  return s.empty() ? std::string_view("none") : s;
}

}  // namespace

http::asio::awaitable<void> RequestState::fail(int code, std::string_view message, std::string_view log_type,
                                               std::string_view reason, std::span<const http::Header> headers) {
  status = code;
  log.error_type = std::string(log_type);
  log.error_message = std::string(message);
  if (!reason.empty()) finish_reason = std::string(reason);
  if (!ex.responded()) {
    std::string body = error_body(code, message, log_type);
    std::vector<http::Header> all{{"Content-Type", "application/json"}};
    all.insert(all.end(), headers.begin(), headers.end());
    co_await ex.respond(code, all, body);
  }
}

void RequestState::finish() {
  std::chrono::steady_clock::time_point end = std::chrono::steady_clock::now();
  log.status_code = status;
  log.model_name = model;
  log.input_tokens = input_tokens;
  log.output_tokens = output_tokens;
  log.request_id = request_id;
  // Missing checkpoints are back-filled so that every phase is non-negative.
  std::chrono::steady_clock::time_point processed_at =
      processed == std::chrono::steady_clock::time_point{} ? end : processed;
  std::chrono::steady_clock::time_point up_start =
      upstream_started == std::chrono::steady_clock::time_point{} ? processed_at : upstream_started;
  std::chrono::steady_clock::time_point up_end =
      upstream_ended == std::chrono::steady_clock::time_point{} ? up_start : upstream_ended;
  log.duration_total_ms = ms(end - started);
  log.duration_request_processing_ms = ms(processed_at - started);
  log.duration_upstream_processing_ms = ms(up_end - up_start);
  log.duration_response_processing_ms = ms(end - up_end);
  w.log(log);

  if (!counted) return;
  MetricShard& m = w.metrics();
  std::string status_text = std::to_string(status);
  std::string_view backend_type = server != nullptr ? std::string_view("model_server") : std::string_view("unresolved");
  std::string_view backend_name = server != nullptr ? std::string_view(server->key) : std::string_view();
  std::string_view error_type = !finish_reason.empty() ? std::string_view(finish_reason)
                                : status >= 400        ? std::string_view("request_failed")
                                                       : std::string_view("successful_request");
  m.add(Metric::kRequestsTotal, {model_label, path_label, status_text, error_type, or_none(route_key), backend_type,
                                 or_none(backend_name), or_none(upstream_model)});
  m.observe(Metric::kRequestDuration,
            {model_label, path_label, status_text, or_none(route_key), backend_type, or_none(backend_name),
             or_none(upstream_model)},
            std::chrono::duration<double>(end - started).count());
  if (input_tokens > 0) {
    m.add(Metric::kTokensTotal,
          {model_label, path_label, "input", or_none(route_key), backend_type, or_none(backend_name),
           or_none(upstream_model)},
          static_cast<double>(input_tokens));
  }
  if (output_tokens > 0) {
    m.add(Metric::kTokensTotal,
          {model_label, path_label, "output", or_none(route_key), backend_type, or_none(backend_name),
           or_none(upstream_model)},
          static_cast<double>(output_tokens));
  }
  if (downstream_counted) m.add(Metric::kActiveDownstream, {model_label}, -1);
}

}  // namespace kthena::router
