#include "controllers/modelbooster/kv_connector.h"

#include <gtest/gtest.h>

#include "booster_fixtures.h"
#include "controllers/modelbooster/backend_settings.h"
#include "controllers/modelbooster/model_server_builder.h"

namespace kthena::controllers::modelbooster {
namespace {

using testing::pd_booster;
using testing::read_or_die;

Result<Json> server_of(const Json& object) {
  const ModelBooster booster = read_or_die(object);
  auto settings = read_backend_settings(booster.backend);
  EXPECT_TRUE(settings);
  return build_model_server(booster, *settings);
}

TEST(KvConnectorTest, TheModelServerCarriesTheConnectorType) {
  const std::pair<const char*, const char*> cases[] = {
      {"MooncakeConnector", "mooncake"},
      {"MooncakeConnectorV1", "mooncake"},
      {"NixlConnector", "nixl"},
      {"LMCacheConnectorV1", "lmcache"},
  };
  for (const auto& [connector, type] : cases) {
    auto server = server_of(pd_booster(connector));
    ASSERT_TRUE(server) << connector << ": " << server.error().to_string();
    EXPECT_EQ(server->at("spec").at("kvConnector"), Json({{"type", type}})) << connector;
  }
  auto none = server_of(pd_booster());
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->at("spec").contains("kvConnector"));
}

TEST(KvConnectorTest, AnInconsistentConfigurationFailsAsTheWebhookReportsIt) {
  Json b = pd_booster("MooncakeConnector");
  b["spec"]["backend"]["workers"][1]["config"]["kv-transfer-config"] =
      R"({"kv_connector":"NixlConnector","kv_role":"kv_consumer"})";
  auto server = server_of(b);
  ASSERT_FALSE(server);
  EXPECT_EQ(server.error().to_string(),
            R"(spec.backend.workers: Invalid value: "pd-backend": invalid kv connector configuration: backend )"
            R"(pd-backend: kv_connector mismatch between prefill ("MooncakeConnector") and decode ("NixlConnector") )"
            "workers; prefill and decode must use the same kv connector");
}

TEST(KvConnectorNameTest, ReadsTheConnectorOrNothing) {
  EXPECT_EQ(kv_connector_name(Json::parse(R"({"kv-transfer-config": "{\"kv_connector\":\"NixlConnector\"}"})")),
            "NixlConnector");
  EXPECT_EQ(kv_connector_name(Json::parse(R"({"kv-transfer-config": "nope"})")), "");
  EXPECT_EQ(kv_connector_name(Json::parse(R"({"kv-transfer-config": "{\"kv_connector\": 3}"})")), "");
  EXPECT_EQ(kv_connector_name(Json::parse(R"({"kv-transfer-config": {"kv_connector": "NixlConnector"}})")), "");
  EXPECT_EQ(kv_connector_name(Json::parse(R"({"other": 1})")), "");
  EXPECT_EQ(kv_connector_name(Json()), "");
}

}  // namespace
}  // namespace kthena::controllers::modelbooster
