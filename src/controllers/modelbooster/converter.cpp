#include "controllers/modelbooster/converter.h"

#include "api/codec/yaml_decoder.h"
#include "controllers/modelbooster/autoscaling_policy_builder.h"
#include "controllers/modelbooster/backend_settings.h"
#include "controllers/modelbooster/model_booster.h"
#include "controllers/modelbooster/model_route_builder.h"
#include "controllers/modelbooster/model_server_builder.h"
#include "controllers/modelbooster/templates.h"

namespace kthena::controllers::modelbooster {

std::vector<Json> GeneratedObjects::in_order() const {
  std::vector<Json> out = {model_serving, model_server, model_route};
  if (autoscaling_policy) out.push_back(*autoscaling_policy);
  return out;
}

Result<ModelBoosterConverter> ModelBoosterConverter::create(ConvertOptions options) {
  ServingTemplates templates;
  for (auto [text, name, out] : {std::tuple{vllm_template(), "vllm.yaml", &templates.vllm},
                                 std::tuple{vllm_pd_template(), "vllm_pd.yaml", &templates.vllm_pd}}) {
    auto parsed = api::decode_document(text, name);
    if (!parsed) return fail(parsed.error());
    *out = std::move(*parsed);
  }
  return ModelBoosterConverter(std::move(options), std::move(templates));
}

Result<GeneratedObjects> ModelBoosterConverter::convert(const Json& object) const {
  auto booster = read_model_booster(object);
  if (!booster) return fail(booster.error());
  auto settings = read_backend_settings(booster->backend);
  if (!settings) return fail(settings.error());
  auto replicas = serving_replicas(*booster);
  if (!replicas) return fail(replicas.error());

  GeneratedObjects out;
  auto serving = build_model_serving(*booster, *settings, options_, *replicas, templates_);
  if (!serving) return fail(serving.error());
  out.model_serving = std::move(*serving);
  auto server = build_model_server(*booster, *settings);
  if (!server) return fail(server.error());
  out.model_server = std::move(*server);
  out.model_route = build_model_route(*booster);
  auto policy = build_autoscaling_policy(*booster, *settings);
  if (!policy) return fail(policy.error());
  out.autoscaling_policy = std::move(*policy);
  return out;
}

}  // namespace kthena::controllers::modelbooster
