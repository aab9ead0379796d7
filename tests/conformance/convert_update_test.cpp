// The update path the ModelBooster controller takes when a booster changes: the regenerated ModelServing replaces
// the stored one, and admission (with the stored object as the old one, CEL transition rules included) must accept
// it. Upstream wrote gangPolicy.minRoleReplicas, which is immutable, so any change of a worker's replicas was
// rejected; ours leaves it out (docs/compatibility.md), and also replaces a ModelServing that upstream created.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "api/admission.h"
#include "api/codec/yaml_decoder.h"
#include "controllers/modelbooster/converter.h"
#include "unit/api/conformance_dir.h"

namespace kthena::testing {
namespace {

namespace fs = std::filesystem;

const std::string kTestdata = "kthena/HEAD/pkg/model-booster-controller/convert/testdata";

Json load(const fs::path& file) {
  return *api::decode_document(read_file(file), file.string());
}

// What the API server adds to an object it stores.
Json stored(Json object) {
  object["metadata"]["resourceVersion"] = "41";
  object["metadata"]["creationTimestamp"] = "2026-01-01T00:00:00Z";
  object["metadata"]["generation"] = 1;
  return object;
}

// `next` as an update of `current`, carrying the stored metadata as a controller's Update does.
api::Admitted update(const Json& current, Json next) {
  for (const char* key : {"resourceVersion", "creationTimestamp", "generation"}) {
    next["metadata"][key] = current["metadata"][key];
  }
  auto admitted = api::admit(api::KindRegistry::builtin(), next, &current);
  EXPECT_TRUE(admitted) << admitted.error().to_string();
  return admitted ? *admitted : api::Admitted{};
}

std::string errors_text(const api::Admitted& admitted) {
  std::string text;
  for (const FieldError& e : admitted.errors) text += "\n  " + e.to_string();
  return text;
}

Json serving_of(const Json& booster) {
  auto admitted = api::admit(api::KindRegistry::builtin(), booster, nullptr);
  EXPECT_TRUE(admitted && admitted->ok());
  auto objects = controllers::modelbooster::ModelBoosterConverter::create()->convert(admitted->object);
  EXPECT_TRUE(objects) << objects.error().to_string();
  auto serving = api::admit(api::KindRegistry::builtin(), objects->model_serving, nullptr);
  EXPECT_TRUE(serving && serving->ok());
  return serving->object;
}

TEST(ConvertUpdateTest, ChangingAWorkersReplicasUpdatesTheServing) {
  const fs::path input = conformance_dir() / kTestdata / "input" / "pd-disaggregated-model-npu.yaml";
  KTHENA_REQUIRE_CONFORMANCE(input);
  const Json booster = load(input);
  const Json current = stored(serving_of(booster));

  for (int replicas : {3, 0}) {
    Json scaled = booster;
    scaled["spec"]["backend"]["workers"][0]["replicas"] = replicas;
    const Json next = serving_of(scaled);
    EXPECT_NE(next["metadata"]["labels"]["workload.serving.volcano.sh/revision"],
              current["metadata"]["labels"]["workload.serving.volcano.sh/revision"]);
    const api::Admitted admitted = update(current, next);
    EXPECT_TRUE(admitted.ok()) << "prefill replicas " << replicas << ":" << errors_text(admitted);
  }
}

TEST(ConvertUpdateTest, UpstreamsGangPolicyWouldHaveBeenRejected) {
  // The same update with upstream's minRoleReplicas, to show what the divergence avoids.
  const fs::path input = conformance_dir() / kTestdata / "input" / "pd-disaggregated-model-npu.yaml";
  KTHENA_REQUIRE_CONFORMANCE(input);
  const Json booster = load(input);
  Json current = serving_of(booster);
  current["spec"]["template"]["gangPolicy"] = Json::parse(R"({"minRoleReplicas": {"prefill": 1, "decode": 1}})");
  current = stored(current);
  Json scaled = booster;
  scaled["spec"]["backend"]["workers"][0]["replicas"] = 3;
  Json next = serving_of(scaled);
  next["spec"]["template"]["gangPolicy"] = Json::parse(R"({"minRoleReplicas": {"prefill": 3, "decode": 1}})");
  const api::Admitted admitted = update(current, next);
  ASSERT_FALSE(admitted.ok());
  EXPECT_NE(errors_text(admitted).find("spec.template.gangPolicy.minRoleReplicas"), std::string::npos)
      << errors_text(admitted);
  EXPECT_NE(errors_text(admitted).find("minRoleReplicas is immutable"), std::string::npos) << errors_text(admitted);
}

TEST(ConvertUpdateTest, ReplacesAServingThatUpstreamCreated) {
  // A cluster moving from upstream's controller: the stored ModelServing is upstream's golden output.
  const fs::path dir = conformance_dir() / kTestdata;
  KTHENA_REQUIRE_CONFORMANCE(dir);
  auto golden = api::admit(api::KindRegistry::builtin(), load(dir / "expected" / "disaggregated-model-serving.yaml"),
                           nullptr, {.field_validation = api::FieldValidation::kIgnore});
  ASSERT_TRUE(golden) << golden.error().to_string();
  ASSERT_TRUE(golden->ok()) << errors_text(*golden);
  const Json current = stored(golden->object);
  Json scaled = load(dir / "input" / "pd-disaggregated-model-npu.yaml");
  scaled["spec"]["backend"]["workers"][1]["replicas"] = 2;
  const api::Admitted admitted = update(current, serving_of(scaled));
  EXPECT_TRUE(admitted.ok()) << errors_text(admitted);
}

}  // namespace
}  // namespace kthena::testing
