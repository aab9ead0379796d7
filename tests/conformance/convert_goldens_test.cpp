// ModelBooster conversion against upstream's goldens (pkg/model-booster-controller/convert/testdata): every HEAD
// input converts, each golden output matches field for field (typed comparison, see convert_typed_diff.h) except for
// the divergences listed here, which are the ones docs/compatibility.md ("ModelBooster conversion") records; and
// v0.2.0's inputs convert to current objects whose autoscaling carries v0.2.0's metrics, bounds and selector.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "api/codec/yaml_decoder.h"
#include "conformance/convert_typed_diff.h"
#include "controllers/modelbooster/converter.h"
#include "unit/api/conformance_dir.h"

namespace kthena::testing {
namespace {

namespace fs = std::filesystem;
namespace mb = controllers::modelbooster;

const std::string kTestdata = "kthena/HEAD/pkg/model-booster-controller/convert/testdata";
const std::string kV020Testdata = "kthena/v0.2.0/pkg/model-booster-controller/convert/testdata";

Json load(const fs::path& file) {
  auto doc = api::decode_document(read_file(file), file.string());
  EXPECT_TRUE(doc) << doc.error().to_string();
  return doc ? *doc : Json();
}

mb::GeneratedObjects convert_file(const fs::path& file) {
  auto converter = mb::ModelBoosterConverter::create();
  EXPECT_TRUE(converter);
  auto out = converter->convert(load(file));
  EXPECT_TRUE(out) << file << ": " << out.error().to_string();
  return out ? *out : mb::GeneratedObjects{};
}

const Json& object_of(const mb::GeneratedObjects& objects, const std::string& kind) {
  if (kind == "ModelServing") return objects.model_serving;
  if (kind == "ModelServer") return objects.model_server;
  if (kind == "ModelRoute") return objects.model_route;
  return *objects.autoscaling_policy;
}

// Why each divergence exists; docs/compatibility.md says the same.
const std::string kGang =
    "gangPolicy.minRoleReplicas is immutable: writing it made every later change of a worker's replicas fail; "
    "left out, it defaults to each role's replicas, the value upstream wrote";
const std::string kPrefillEnvFrom = "the prefill runtime sidecar gets the backend's envFrom, like decode's";

struct Golden {
  std::string input;     // under input/
  std::string expected;  // under expected/
  std::vector<FieldDiff> divergences;
  std::vector<std::string> reasons;  // one per divergence
};

std::vector<Golden> goldens() {
  const FieldDiff pd_envfrom{"spec.template.roles[0].entryTemplate.spec.containers[0].envFrom", "<absent>",
                             R"([{"secretRef":{"name":"downloader-secrets"}}])"};
  return {
      {"model.yaml",
       "model-serving.yaml",
       {{"spec.template.gangPolicy.minRoleReplicas", R"({"leader":0})", "<absent>"}},
       {kGang}},
      {"pd-disaggregated-model-npu.yaml",
       "disaggregated-model-serving.yaml",
       {{"spec.template.gangPolicy.minRoleReplicas", R"({"prefill":1,"decode":1})", "<absent>"}, pd_envfrom},
       {kGang, kPrefillEnvFrom}},
      {"pd-disaggregated-model-mooncake.yaml",
       "disaggregated-model-serving-mooncake.yaml",
       {{"spec.template.gangPolicy.minRoleReplicas", R"({"prefill":1,"decode":1})", "<absent>"}, pd_envfrom},
       {kGang, kPrefillEnvFrom}},
      {"model.yaml", "model-server.yaml", {}, {}},
      {"pd-disaggregated-model-npu.yaml", "pd-model-server.yaml", {}, {}},
      {"model.yaml", "model-route.yaml", {}, {}},
  };
}

class ConvertGoldenTest : public ::testing::TestWithParam<Golden> {};

TEST_P(ConvertGoldenTest, MatchesUpstreamExceptForDeliberateDivergences) {
  const fs::path dir = conformance_dir() / kTestdata;
  KTHENA_REQUIRE_CONFORMANCE(dir);
  const Golden& g = GetParam();
  ASSERT_EQ(g.divergences.size(), g.reasons.size());
  const Json expected = load(dir / "expected" / g.expected);
  ASSERT_NE(
      api::KindRegistry::builtin().find_by_api_version(expected.value("apiVersion", ""), expected.value("kind", "")),
      nullptr);
  const mb::GeneratedObjects objects = convert_file(dir / "input" / g.input);
  const std::vector<FieldDiff> diffs = typed_diff(expected, object_of(objects, expected["kind"]));
  EXPECT_EQ(diffs, g.divergences) << "input/" << g.input << " vs expected/" << g.expected;
}

INSTANTIATE_TEST_SUITE_P(HeadGoldens, ConvertGoldenTest, ::testing::ValuesIn(goldens()),
                         [](const ::testing::TestParamInfo<Golden>& info) {
                           std::string name = info.param.expected.substr(0, info.param.expected.find('.'));
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

// The property checks of upstream's model_serving_test.go for the inputs without a golden.
TEST(ConvertGoldenInputsTest, RuntimeClassReachesEveryPodTemplate) {
  const fs::path dir = conformance_dir() / kTestdata / "input";
  KTHENA_REQUIRE_CONFORMANCE(dir);
  for (const char* input : {"model-with-runtimeclass.yaml", "pd-disaggregated-model-with-runtimeclass.yaml"}) {
    const Json serving = convert_file(dir / input).model_serving;
    for (const Json& role : serving["spec"]["template"]["roles"]) {
      EXPECT_EQ(role["entryTemplate"]["spec"].value("runtimeClassName", ""), "nvidia") << input;
      if (role["workerReplicas"].get<int>() > 0) {
        EXPECT_EQ(role["workerTemplate"]["spec"].value("runtimeClassName", ""), "nvidia") << input;
      }
    }
  }
  const Json plain = convert_file(dir / "model.yaml").model_serving;
  for (const Json& role : plain["spec"]["template"]["roles"]) {
    EXPECT_FALSE(role["entryTemplate"]["spec"].contains("runtimeClassName"));
  }
}

// Each role's pod templates carry `field` of the worker that role comes from.
void expect_worker_field_propagates(const fs::path& input, const std::string& field) {
  const Json booster = load(input);
  const Json serving = convert_file(input).model_serving;
  for (const Json& role : serving["spec"]["template"]["roles"]) {
    const std::string worker_type = role["name"] == "leader" ? "server" : role["name"].get<std::string>();
    Json wanted;
    for (const Json& w : booster["spec"]["backend"]["workers"]) {
      if (w.value("type", "server") == worker_type) wanted = w.value(field, Json());
    }
    ASSERT_FALSE(wanted.is_null()) << input << " " << worker_type;
    EXPECT_EQ(role["entryTemplate"]["spec"].value(field, Json()), wanted) << input << " " << worker_type;
    if (role["workerReplicas"].get<int>() > 0 || role["name"] == "leader") {
      EXPECT_EQ(role["workerTemplate"]["spec"].value(field, Json()), role["name"] == "leader" ? wanted : Json())
          << input;
    }
  }
}

TEST(ConvertGoldenInputsTest, AffinityAndTolerationsFollowTheirWorker) {
  const fs::path dir = conformance_dir() / kTestdata / "input";
  KTHENA_REQUIRE_CONFORMANCE(dir);
  expect_worker_field_propagates(dir / "model-with-affinity.yaml", "affinity");
  expect_worker_field_propagates(dir / "pd-disaggregated-model-with-affinity.yaml", "affinity");
  expect_worker_field_propagates(dir / "model-with-nodeselector-tolerations.yaml", "tolerations");
  expect_worker_field_propagates(dir / "pd-disaggregated-model-with-nodeselector-tolerations.yaml", "tolerations");
}

TEST(ConvertGoldenInputsTest, OmittedPodsMeanNoRayWorkers) {
  const fs::path dir = conformance_dir() / kTestdata / "input";
  KTHENA_REQUIRE_CONFORMANCE(dir);
  const Json serving = convert_file(dir / "model-with-pods-omitted.yaml").model_serving;
  EXPECT_EQ(serving["spec"]["template"]["roles"][0]["workerReplicas"], 0);
  EXPECT_EQ(serving["spec"]["template"]["roles"][0]["entryTemplate"]["spec"]["containers"][1]["command"][0], "python3");
}

// v0.2.0 generated an AutoscalingPolicy (metrics) plus an AutoscalingPolicyBinding (target, bounds, selector); we
// generate one current AutoscalingPolicy carrying both.
TEST(ConvertV020Test, OneAutoscalingPolicyCarriesThePolicyAndTheBinding) {
  const fs::path dir = conformance_dir() / kV020Testdata;
  KTHENA_REQUIRE_CONFORMANCE(dir);
  const mb::GeneratedObjects objects = convert_file(dir / "input" / "model.yaml");
  ASSERT_TRUE(objects.autoscaling_policy);
  const Json& policy = *objects.autoscaling_policy;
  const Json asp = load(dir / "expected" / "scaling-asp.yaml");
  const Json binding = load(dir / "expected" / "scaling-asp-binding.yaml");

  // Identity: the binding's (it is the object that named the ModelServing).
  EXPECT_EQ(policy["metadata"]["name"], binding["metadata"]["name"]);
  EXPECT_EQ(policy["metadata"]["namespace"], binding["metadata"]["namespace"]);
  Json labels = policy["metadata"]["labels"];
  Json expected_labels = binding["metadata"]["labels"];
  normalize(labels);
  normalize(expected_labels);
  EXPECT_EQ(nlohmann::json(labels), nlohmann::json(expected_labels));
  EXPECT_EQ(nlohmann::json(policy["metadata"]["ownerReferences"]),
            nlohmann::json(binding["metadata"]["ownerReferences"]));

  // Metrics and target values: the policy's, with metricName spelled `name`.
  const Json& metrics = policy["spec"]["metrics"];
  ASSERT_EQ(metrics.size(), asp["spec"]["metrics"].size());
  for (size_t i = 0; i < metrics.size(); ++i) {
    EXPECT_EQ(metrics[i]["name"], asp["spec"]["metrics"][i]["metricName"]);
    EXPECT_EQ(metrics[i]["targetValue"], asp["spec"]["metrics"][i]["targetValue"]);
  }

  // Target, bounds and selector: the binding's.
  const Json& target = policy["spec"]["homogeneousTarget"];
  const Json& old_target = binding["spec"]["homogeneousTarget"];
  EXPECT_EQ(nlohmann::json(target["target"]["targetRef"]), nlohmann::json(old_target["target"]["targetRef"]));
  EXPECT_EQ(target["maxReplicas"], old_target["maxReplicas"]);
  // Divergence: the lower bound is at least 1, since the autoscaler cannot scale up from zero pods.
  EXPECT_EQ(old_target["minReplicas"], 0);
  EXPECT_EQ(target["minReplicas"], 1);
  for (const Json& m : metrics) {
    const Json& pod = target["target"]["metricSources"][m["name"].get<std::string>()]["pod"];
    EXPECT_EQ(nlohmann::json(pod["labelSelector"]),
              nlohmann::json(old_target["target"]["metricEndpoint"]["labelSelector"]));
    // Divergence: scrape the runtime sidecar where it listens (RUNTIME_PORT 8900 here); v0.2.0 left the port to
    // default to 8100.
    EXPECT_FALSE(old_target["target"]["metricEndpoint"].contains("port"));
    EXPECT_EQ(pod["port"], 8900);
  }

  // Divergence: the ModelServing starts at the raised lower bound (v0.2.0: minReplicas, 0, where it stayed).
  const Json old_serving = load(dir / "expected" / "model-serving.yaml");
  EXPECT_EQ(old_serving["spec"]["replicas"], 0);
  EXPECT_EQ(objects.model_serving["spec"]["replicas"], 1);
}

TEST(ConvertV020Test, WithoutAPolicyTheServingGetsMinReplicasAndNoAutoscaling) {
  const fs::path dir = conformance_dir() / kV020Testdata;
  KTHENA_REQUIRE_CONFORMANCE(dir);
  const fs::path input = dir / "input" / "pd-disaggregated-model.yaml";
  const mb::GeneratedObjects objects = convert_file(input);
  EXPECT_FALSE(objects.autoscaling_policy);
  EXPECT_EQ(objects.model_serving["spec"]["replicas"], load(input)["spec"]["backend"]["minReplicas"]);
}

TEST(ConvertV020Test, ModelServersAreUnchangedSinceV020) {
  const fs::path dir = conformance_dir() / kV020Testdata;
  KTHENA_REQUIRE_CONFORMANCE(dir);
  const std::pair<const char*, const char*> cases[] = {
      {"model.yaml", "model-server.yaml"},
      {"pd-disaggregated-model.yaml", "pd-model-server.yaml"},
  };
  for (const auto& [input, expected] : cases) {
    const std::vector<FieldDiff> diffs =
        typed_diff(load(dir / "expected" / expected), convert_file(dir / "input" / input).model_server);
    EXPECT_EQ(diffs, std::vector<FieldDiff>{}) << input;
  }
}

}  // namespace
}  // namespace kthena::testing
