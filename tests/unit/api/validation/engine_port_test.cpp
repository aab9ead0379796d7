// engine_port() and kv_connector_type(), as the converter consumes them (the webhook paths are covered by the
// ModelBooster rule tables).
#include <gtest/gtest.h>

#include "api/validation/engine_port.h"
#include "api/validation/kv_connector.h"

namespace kthena::api {
namespace {

Json backend(Json workers) {
  return {{"name", "b"}, {"type", "vLLMDisaggregated"}, {"workers", std::move(workers)}};
}

TEST(EnginePort, DefaultsTo8000) {
  EXPECT_EQ(engine_port(backend(Json::array())).value(), 8000);
  EXPECT_EQ(engine_port(backend({{{"type", "server"}}})).value(), 8000);
  EXPECT_EQ(engine_port(Json::object()).value(), 8000);
}

TEST(EnginePort, ReadsNumbersAndNumericStrings) {
  EXPECT_EQ(engine_port(backend({{{"type", "server"}, {"config", {{"port", 9000}}}}})).value(), 9000);
  EXPECT_EQ(engine_port(backend({{{"type", "prefill"}, {"config", {{"port", "9100"}}}},
                                 {{"type", "decode"}, {"config", {{"port", 9100}}}}}))
                .value(),
            9100);
}

TEST(EnginePort, IgnoresWorkersThatServeNothing) {
  EXPECT_EQ(engine_port(backend({{{"type", "controller"}, {"config", {{"port", "x"}}}},
                                 {{"type", "server"}, {"config", {{"port", 9000}}}}}))
                .value(),
            9000);
}

TEST(EnginePort, RejectsWhatGoRejects) {
  auto fractional = engine_port(backend({{{"type", "server"}, {"config", {{"port", 8000.5}}}}}));
  ASSERT_FALSE(fractional);
  EXPECT_EQ(fractional.error().message, "invalid port \"8000.5\" for worker server");
  auto huge = engine_port(backend({{{"type", "server"}, {"config", {{"port", 1e6}}}}}));
  ASSERT_FALSE(huge);
  EXPECT_EQ(huge.error().message, "invalid port \"1e+06\" for worker server");
  auto zero = engine_port(backend({{{"type", "server"}, {"config", {{"port", 0}}}}}));
  ASSERT_FALSE(zero);
  EXPECT_EQ(zero.error().bad_value, 0);
  auto not_object = engine_port(backend({{{"type", "server"}, {"config", "port=9000"}}}));
  ASSERT_FALSE(not_object);
  EXPECT_EQ(not_object.error().message,
            "failed to get port for worker server: json: cannot unmarshal string into Go value of type "
            "map[string]interface {}");
}

TEST(EnginePort, NamesTheWorkerThatDisagrees) {
  auto r = engine_port(backend({{{"type", "prefill"}}, {{"type", "decode"}, {"config", {{"port", 9000}}}}}));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().worker_index, 1u);
  EXPECT_EQ(r.error().bad_value, 9000);
  EXPECT_EQ(r.error().message, "workers use different engine ports: 8000 and 9000");
}

Json kv_worker(std::string_view type, std::string_view connector, std::string_view role) {
  return {{"type", type},
          {"config", {{"kv-transfer-config", Json({{"kv_connector", connector}, {"kv_role", role}}).dump()}}}};
}

TEST(KvConnector, MapsVllmConnectorsToModelServerTypes) {
  for (auto [vllm, type] : {std::pair{"MooncakeConnector", "mooncake"}, std::pair{"MooncakeConnectorV1", "mooncake"},
                            std::pair{"NixlConnector", "nixl"}, std::pair{"LMCacheConnectorV1", "lmcache"}}) {
    auto r = kv_connector_type(
        backend({kv_worker("prefill", vllm, "kv_producer"), kv_worker("decode", vllm, "kv_consumer")}));
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->value_or(""), type);
  }
}

TEST(KvConnector, NoneWithoutTransferConfig) {
  auto r =
      kv_connector_type(backend({{{"type", "prefill"}}, {{"type", "decode"}, {"config", {{"max-model-len", 1}}}}}));
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->has_value());
  auto single = kv_connector_type(backend({{{"type", "server"}}}));
  ASSERT_TRUE(single);
  EXPECT_FALSE(single->has_value());
}

TEST(KvConnector, RejectsMalformedTransferConfig) {
  auto r = kv_connector_type(backend({{{"type", "prefill"}, {"config", {{"kv-transfer-config", "{not json"}}}},
                                      kv_worker("decode", "NixlConnector", "kv_consumer")}));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message.rfind("worker prefill: invalid kv-transfer-config: failed to unmarshal config: ", 0), 0u)
      << r.error().message;
  auto empty = kv_connector_type(backend({{{"type", "prefill"}, {"config", {{"kv-transfer-config", ""}}}},
                                          kv_worker("decode", "NixlConnector", "kv_consumer")}));
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().message,
            "worker prefill: invalid kv-transfer-config: failed to unmarshal config: unexpected end of JSON input");
  auto missing_role = kv_connector_type(
      backend({{{"type", "prefill"}, {"config", {{"kv-transfer-config", R"({"kv_connector":"NixlConnector"})"}}}},
               kv_worker("decode", "NixlConnector", "kv_consumer")}));
  ASSERT_FALSE(missing_role);
  EXPECT_EQ(missing_role.error().message, "worker prefill: kv-transfer-config is set but kv_role is missing");
}

}  // namespace
}  // namespace kthena::api
