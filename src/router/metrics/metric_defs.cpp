#include "router/metrics/metric_defs.h"

namespace kthena::router {
namespace {

using L = std::string_view;
constexpr L kRequestLabels[] = {"model",       "path",         "status_code",  "error_type",
                                "model_route", "backend_type", "backend_name", "upstream_model"};
constexpr L kDurationLabels[] = {"model",        "path",         "status_code",   "model_route",
                                 "backend_type", "backend_name", "upstream_model"};
constexpr L kPhaseLabels[] = {"model", "path", "status_code"};
constexpr L kTokenLabels[] = {"model",        "path",         "token_type",    "model_route",
                              "backend_type", "backend_name", "upstream_model"};
constexpr L kPluginLabels[] = {"model", "plugin", "type"};
constexpr L kModelLabel[] = {"model"};
constexpr L kUpstreamLabels[] = {"model_server", "model_route", "backend_type", "backend_name", "upstream_model"};
constexpr L kEngineLabels[] = {"model", "engine"};
constexpr L kStageLabels[] = {"model", "stage"};
constexpr L kEjectionLabels[] = {"pod", "reason"};
constexpr L kReasonLabel[] = {"reason"};

constexpr double kRequestBuckets[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
constexpr double kPluginBuckets[] = {0.001, 0.005, 0.01, 0.05, 0.1, 0.5};
constexpr double kRatioBuckets[] = {0, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 1.0};
constexpr double kKvBuckets[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5};

constexpr MetricDef kDefs[] = {
    {"kthena_router_requests_total",
     "Total number of requests processed by the router.",
     MetricType::kCounter,
     kRequestLabels,
     {}},
    {"kthena_router_request_duration_seconds", "Request duration in seconds.", MetricType::kHistogram, kDurationLabels,
     kRequestBuckets},
    {"kthena_router_request_prefill_duration_seconds", "Prefill phase duration in seconds (PD mode).",
     MetricType::kHistogram, kPhaseLabels, kRequestBuckets},
    {"kthena_router_request_decode_duration_seconds", "Decode phase duration in seconds (PD mode).",
     MetricType::kHistogram, kPhaseLabels, kRequestBuckets},
    {"kthena_router_tokens_total", "Total number of tokens processed.", MetricType::kCounter, kTokenLabels, {}},
    {"kthena_router_scheduler_plugin_duration_seconds", "Time spent in each scheduler plugin.", MetricType::kHistogram,
     kPluginLabels, kPluginBuckets},
    {"kthena_router_active_requests", "Requests being handled by the router.", MetricType::kGauge, {}, {}},
    {"kthena_router_active_downstream_requests",
     "Requests being served to clients, by model.",
     MetricType::kGauge,
     kModelLabel,
     {}},
    {"kthena_router_active_upstream_requests",
     "Requests outstanding to backends.",
     MetricType::kGauge,
     kUpstreamLabels,
     {}},
    {"kthena_router_tokenizer_unsupported_engine_total",
     "Requests that kvcache-aware could not tokenize because no candidate engine has a tokenizer.",
     MetricType::kCounter,
     kEngineLabels,
     {}},
    {"kthena_router_prefix_cache_match_ratio", "Longest matched prefix over prompt blocks, per request.",
     MetricType::kHistogram, kModelLabel, kRatioBuckets},
    {"kthena_router_prefix_cache_evictions_total",
     "Prefix-cache blocks evicted for capacity.",
     MetricType::kCounter,
     kModelLabel,
     {}},
    {"kthena_router_kvcache_aware_match_ratio", "Longest run of KV blocks held by a candidate over prompt blocks.",
     MetricType::kHistogram, kModelLabel, kRatioBuckets},
    {"kthena_router_kvcache_aware_redis_duration_seconds", "Time to look up KV-block owners.", MetricType::kHistogram,
     kModelLabel, kKvBuckets},
    {"kthena_router_kvcache_aware_tokenize_duration_seconds", "Time to tokenize the prompt on an engine.",
     MetricType::kHistogram, kModelLabel, kKvBuckets},
    {"kthena_router_kvcache_aware_errors_total",
     "kvcache-aware failures by stage.",
     MetricType::kCounter,
     kStageLabels,
     {}},
    {"kthena_router_upstream_ejections_total",
     "Pods taken out of scheduling by passive health checks (refused or failed connections, timeouts, failed "
     "metrics scrapes).",
     MetricType::kCounter,
     kEjectionLabels,
     {}},
    {"kthena_router_request_refusals_total",
     "Requests refused before routing for what they are: a path not in normal form (bad_path), a method the endpoint "
     "does not take (bad_method), a body that is not JSON or nests too deeply (bad_body).",
     MetricType::kCounter,
     kReasonLabel,
     {}},
};
static_assert(sizeof(kDefs) / sizeof(kDefs[0]) == kMetricCount);

}  // namespace

const MetricDef& metric_def(Metric m) {
  return kDefs[static_cast<size_t>(m)];
}

}  // namespace kthena::router
