// One access-log entry per /v1/* request (kthena-router.md §10.1) and its two renderings, byte-compatible with
// upstream's text lines (which operators grep for " selected_pod=") and JSON objects.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace kthena::router {

struct AccessLogEntry {
  std::chrono::system_clock::time_point start;
  // Views into the request (and request_id below): valid until the entry is rendered, which the request does as it
  // ends (RequestState::finish), before its head goes away.
  std::string_view method;
  std::string_view path;  // without the query
  std::string_view protocol = "HTTP/1.1";
  int status_code = 0;
  std::string error_type;
  std::string error_message;
  std::string model_name;
  std::string model_route;   // "ns/name"
  std::string model_server;  // "ns/name"
  std::string selected_pod;  // pod name only
  std::string_view request_id;
  std::string backend_type;  // model_server | external_provider | inference_pool
  std::string backend_name;
  std::string upstream_model;
  int upstream_status_code = 0;
  int upstream_attempts = 0;
  std::string error_origin;  // router | upstream
  std::string gateway;
  std::string http_route;
  std::string inference_pool;
  int64_t input_tokens = 0;
  int64_t output_tokens = 0;
  int64_t duration_total_ms = 0;
  int64_t duration_request_processing_ms = 0;
  int64_t duration_upstream_processing_ms = 0;
  int64_t duration_response_processing_ms = 0;
};

// Appends one line (with its "\n").
void append_text(const AccessLogEntry& entry, std::string& out);
void append_json(const AccessLogEntry& entry, std::string& out);

// Go's time.RFC3339Nano in UTC: "2026-01-02T03:04:05.123456789Z", trailing zeros of the fraction dropped.
std::string rfc3339_nano(std::chrono::system_clock::time_point t);

}  // namespace kthena::router
