#include "router/metrics/metrics_registry.h"

#include <thread>

#include <gtest/gtest.h>

namespace kthena::router {
namespace {

TEST(MetricsRegistry, ShardsSumAndSerialize) {
  MetricsRegistry registry;
  MetricShard& a = registry.new_shard();
  MetricShard& b = registry.new_shard();
  std::thread t([&] {
    for (int i = 0; i < 1000; ++i) {
      b.add(Metric::kRequestsTotal,
            {"m", "/v1/chat/completions", "200", "successful_request", "default/r", "model_server", "default/s", "up"});
    }
  });
  for (int i = 0; i < 500; ++i) {
    a.add(Metric::kRequestsTotal,
          {"m", "/v1/chat/completions", "200", "successful_request", "default/r", "model_server", "default/s", "up"});
  }
  t.join();
  a.observe(Metric::kRequestDuration, {"m", "/p", "200", "r", "model_server", "s", "u"}, 0.02);
  b.observe(Metric::kRequestDuration, {"m", "/p", "200", "r", "model_server", "s", "u"}, 100);
  a.add(Metric::kActiveRequests, {}, 2);
  b.add(Metric::kActiveRequests, {}, -1);
  registry.add_callback_gauge("kthena_router_prefix_cache_entries", "entries", [] { return 7.0; });
  registry.add_callback_counter("kthena_router_control_loop_restarts_total", "restarts", [] { return 3.0; });
  std::string text = registry.serialize();
  EXPECT_NE(text.find("kthena_router_requests_total{model=\"m\",path=\"/v1/chat/completions\",status_code=\"200\","
                      "error_type=\"successful_request\",model_route=\"default/r\",backend_type=\"model_server\","
                      "backend_name=\"default/s\",upstream_model=\"up\"} 1500"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("kthena_router_request_duration_seconds_bucket{model=\"m\",path=\"/p\",status_code=\"200\","
                      "model_route=\"r\",backend_type=\"model_server\",backend_name=\"s\",upstream_model=\"u\",le="
                      "\"0.025\"} 1"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("le=\"+Inf\"} 2"), std::string::npos) << text;
  EXPECT_NE(text.find("kthena_router_request_duration_seconds_count{"), std::string::npos);
  EXPECT_NE(text.find("kthena_router_active_requests 1"), std::string::npos) << text;
  EXPECT_NE(text.find("kthena_router_prefix_cache_entries 7"), std::string::npos) << text;
  EXPECT_NE(text.find("# TYPE kthena_router_prefix_cache_entries gauge"), std::string::npos) << text;
  EXPECT_NE(text.find("# TYPE kthena_router_control_loop_restarts_total counter"), std::string::npos) << text;
  EXPECT_NE(text.find("kthena_router_control_loop_restarts_total 3"), std::string::npos) << text;
}

// Label sets that alternate, and ones that differ only in where one label ends and the next begins, are separate
// series: neither the last-used cell nor the label hash may merge them.
TEST(MetricsRegistry, DistinctLabelSetsStaySeparate) {
  MetricsRegistry registry;
  MetricShard& shard = registry.new_shard();
  for (int i = 0; i < 3; ++i) {
    shard.add(Metric::kActiveDownstream, {"ab"}, 1);
    shard.add(Metric::kActiveDownstream, {"abc"}, 10);
  }
  shard.add(Metric::kActiveDownstream, {"ab"}, 1);
  auto labels = [](std::string_view model, std::string_view path) {
    return std::string("model=\"") + std::string(model) + "\",path=\"" + std::string(path) + "\"";
  };
  shard.add(Metric::kRequestsTotal, {"a", "bc", "200", "e", "r", "t", "n", "u"}, 1);
  shard.add(Metric::kRequestsTotal, {"ab", "c", "200", "e", "r", "t", "n", "u"}, 2);
  shard.add(Metric::kRequestsTotal, {"a", "bc", "200", "e", "r", "t", "n", "u"}, 4);
  std::string text = registry.serialize();
  EXPECT_NE(text.find("kthena_router_active_downstream_requests{model=\"ab\"} 4"), std::string::npos) << text;
  EXPECT_NE(text.find("kthena_router_active_downstream_requests{model=\"abc\"} 30"), std::string::npos) << text;
  EXPECT_NE(text.find("kthena_router_requests_total{" + labels("a", "bc")), std::string::npos) << text;
  EXPECT_NE(text.find(labels("a", "bc") + ",status_code=\"200\",error_type=\"e\",model_route=\"r\",backend_type="
                                          "\"t\",backend_name=\"n\",upstream_model=\"u\"} 5"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find(labels("ab", "c") + ",status_code=\"200\",error_type=\"e\",model_route=\"r\",backend_type="
                                          "\"t\",backend_name=\"n\",upstream_model=\"u\"} 2"),
            std::string::npos)
      << text;
}

}  // namespace
}  // namespace kthena::router
