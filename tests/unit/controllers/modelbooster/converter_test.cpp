#include "controllers/modelbooster/converter.h"

#include <gtest/gtest.h>

#include "booster_fixtures.h"
#include "controllers/modelbooster/model_server_builder.h"

namespace kthena::controllers::modelbooster {
namespace {

using testing::pd_booster;
using testing::read_or_die;
using testing::vllm_booster;

const Json& at(const Json& object, const char* pointer) {
  return object.at(Json::json_pointer(pointer));
}
bool has(const Json& object, const char* pointer) {
  return object.contains(Json::json_pointer(pointer));
}

GeneratedObjects convert(const Json& booster) {
  auto converter = ModelBoosterConverter::create();
  EXPECT_TRUE(converter) << converter.error().to_string();
  auto out = converter->convert(booster);
  EXPECT_TRUE(out) << out.error().to_string();
  return out ? *out : GeneratedObjects{};
}

Error convert_error(const Json& booster) {
  auto out = ModelBoosterConverter::create()->convert(booster);
  EXPECT_FALSE(out);
  return out ? Error{} : out.error();
}

// The containers of a role's entry pod, by name.
const Json& container(const Json& serving, int role, const std::string& name) {
  for (const Json& c : at(serving, "/spec/template/roles").at(role).at("entryTemplate").at("spec").at("containers")) {
    if (c.at("name") == name) return c;
  }
  static const Json kNone;
  ADD_FAILURE() << "no container " << name;
  return kNone;
}

TEST(ConverterTest, IdentityLabelsAndOwnerOfEveryObject) {
  const GeneratedObjects out = convert(vllm_booster());
  const Json owner = Json::parse(R"([{"apiVersion": "workload.serving.volcano.sh/v1alpha1", "kind": "ModelBooster",
      "name": "demo", "uid": "uid-1", "controller": true, "blockOwnerDeletion": true}])");
  const std::tuple<const Json*, const char*, const char*, const char*, const char*> objects[] = {
      {&out.model_serving, "workload.serving.volcano.sh/v1alpha1", "ModelServing", "demo-backend1", "backend1"},
      {&out.model_server, "networking.serving.volcano.sh/v1alpha1", "ModelServer", "demo-backend1", "backend1"},
      {&out.model_route, "networking.serving.volcano.sh/v1alpha1", "ModelRoute", "demo", ""},
  };
  for (const auto& [object, api_version, kind, name, backend_label] : objects) {
    const Json& o = *object;
    EXPECT_EQ(o.at("apiVersion"), api_version);
    EXPECT_EQ(o.at("kind"), kind);
    EXPECT_EQ(at(o, "/metadata/name"), name);
    EXPECT_EQ(at(o, "/metadata/namespace"), "ns");
    EXPECT_EQ(at(o, "/metadata/ownerReferences"), owner);
    const Json& labels = at(o, "/metadata/labels");
    EXPECT_EQ(labels.size(), 5u);
    EXPECT_EQ(labels.at("workload.serving.volcano.sh/model-name"), "demo");
    EXPECT_EQ(labels.at("workload.serving.volcano.sh/backend-name"), backend_label);
    EXPECT_EQ(labels.at("workload.serving.volcano.sh/managed-by"), "workload.serving.volcano.sh");
    EXPECT_EQ(labels.at("workload.serving.volcano.sh/model-uid"), "uid-1");
    EXPECT_TRUE(labels.at("workload.serving.volcano.sh/revision").is_string());
  }
  EXPECT_FALSE(out.autoscaling_policy);
  EXPECT_EQ(out.in_order().size(), 3u);
}

TEST(ConverterTest, WithoutAUidThereIsNoOwnerReference) {
  Json b = vllm_booster();
  b["metadata"].erase("uid");
  const GeneratedObjects out = convert(b);
  for (const Json& o : out.in_order()) {
    EXPECT_FALSE(has(o, "/metadata/ownerReferences")) << o.at("kind");
    EXPECT_EQ(at(o, "/metadata/labels/workload.serving.volcano.sh~1model-uid"), "");
  }
}

TEST(ConverterTest, WorkerReplicasComeFromPods) {
  const std::tuple<Json, int, bool> cases[] = {{Json(), 0, false}, {0, 0, false}, {1, 0, false}, {3, 2, true}};
  for (const auto& [pods, worker_replicas, ray] : cases) {
    Json b = vllm_booster();
    if (pods.is_null()) {
      b["spec"]["backend"]["workers"][0].erase("pods");
    } else {
      b["spec"]["backend"]["workers"][0]["pods"] = pods;
    }
    const Json serving = convert(b).model_serving;
    EXPECT_EQ(at(serving, "/spec/template/roles/0/workerReplicas"), worker_replicas) << pods.dump();
    const Json& command = container(serving, 0, "engine").at("command");
    if (ray) {
      EXPECT_EQ(command[0], "bash");
      EXPECT_NE(command[2].get<std::string>().find("leader --ray_cluster_size=3 --num-gpus=1 && python3 -m "),
                std::string::npos)
          << command[2];
    } else {
      EXPECT_EQ(command[0], "python3") << pods.dump();
    }
  }
}

TEST(ConverterTest, TheWorkerTemplateJoinsTheRayCluster) {
  Json b = vllm_booster();
  b["spec"]["backend"]["name"] = "Backend1";
  b["spec"]["backend"]["env"] = {{{"name", "HF_ENDPOINT"}, {"value", "https://hf-mirror.com"}}};
  const Json worker = at(convert(b).model_serving, "/spec/template/roles/0/workerTemplate/spec");
  const Json& c = worker.at("containers").at(0);
  EXPECT_EQ(c.at("name"), "backend1-vllm-worker");
  EXPECT_EQ(c.at("command"), Json::array({"bash", "-c",
                                          "chmod u+x examples/online_serving/multi-node-serving.sh && "
                                          "examples/online_serving/multi-node-serving.sh worker "
                                          "--ray_address=$(ENTRY_ADDRESS)"}));
  EXPECT_EQ(c.at("env"), b["spec"]["backend"]["env"]);  // the backend's env only
  EXPECT_EQ(worker.at("initContainers").at(0).at("name"), "demo-model-downloader");
  EXPECT_EQ(worker.at("volumes").size(), 2u);
  EXPECT_FALSE(worker.contains("terminationGracePeriodSeconds"));
}

TEST(ConverterTest, ACustomEnginePortReachesEveryPlaceThatUsesIt) {
  Json b = vllm_booster();
  b["spec"]["backend"]["workers"][0]["config"]["port"] = 9000;
  const GeneratedObjects out = convert(b);
  const Json& engine = container(out.model_serving, 0, "engine");
  EXPECT_EQ(at(engine, "/readinessProbe/httpGet/port"), 9000);
  const std::string drain = at(engine, "/lifecycle/preStop/exec/command/2");
  EXPECT_NE(drain.find("curl -s --max-time 2 http://localhost:9000/metrics"), std::string::npos) << drain;
  const Json& args = container(out.model_serving, 0, "runtime").at("args");
  EXPECT_EQ(args[5], "http://localhost:9000");
  EXPECT_EQ(at(out.model_server, "/spec/workloadPort/port"), 9000);
  EXPECT_NE(std::find(engine.at("command").begin(), engine.at("command").end(), "9000"), engine.at("command").end());

  Json pd = pd_booster();
  for (Json& w : pd["spec"]["backend"]["workers"]) w["config"]["port"] = "9000";
  const GeneratedObjects pd_out = convert(pd);
  for (int role = 0; role < 2; ++role) {
    const Json& vllm = container(pd_out.model_serving, role, "vllm");
    EXPECT_EQ(at(vllm, "/ports/0/containerPort"), 9000);
    EXPECT_EQ(at(vllm, "/readinessProbe/httpGet/port"), 9000);
    EXPECT_EQ(at(vllm, "/livenessProbe/httpGet/port"), 9000);
  }
  EXPECT_EQ(at(pd_out.model_server, "/spec/workloadPort/port"), 9000);
}

TEST(ConverterTest, RuntimeSidecar) {
  Json b = vllm_booster();
  b["spec"]["backend"]["env"] = {{{"name", "RUNTIME_PORT"}, {"value", "8900"}}};
  const Json serving = convert(b).model_serving;
  const Json& runtime = container(serving, 0, "runtime");
  EXPECT_EQ(runtime.at("args"), Json::parse(R"json(["--port", "8900", "--engine", "vllm", "--engine-base-url",
      "http://localhost:8000", "--engine-metrics-path", "/metrics", "--pod", "$(POD_NAME).$(NAMESPACE)",
      "--model", "demo"])json"));
  EXPECT_EQ(at(runtime, "/ports/0/containerPort"), 8900);
  EXPECT_EQ(at(runtime, "/readinessProbe/httpGet/port"), 8900);
  EXPECT_EQ(runtime.at("image"), "kthena/runtime:latest");
}

TEST(ConverterTest, ImagesComeFromTheOptions) {
  auto converter = ModelBoosterConverter::create({"registry/downloader:v1", "registry/runtime:v1"});
  ASSERT_TRUE(converter);
  auto out = converter->convert(vllm_booster());
  ASSERT_TRUE(out);
  EXPECT_EQ(container(out->model_serving, 0, "runtime").at("image"), "registry/runtime:v1");
  EXPECT_EQ(at(out->model_serving, "/spec/template/roles/0/entryTemplate/spec/initContainers/0/image"),
            "registry/downloader:v1");
}

TEST(ConverterTest, SchedulerAndRuntimeClassAreOmittedWhenEmpty) {
  Json b = vllm_booster();
  const Json plain = convert(b).model_serving;
  EXPECT_FALSE(has(plain, "/spec/schedulerName"));
  EXPECT_FALSE(has(plain, "/spec/template/roles/0/entryTemplate/spec/runtimeClassName"));
  EXPECT_FALSE(has(plain, "/spec/template/roles/0/entryTemplate/spec/tolerations"));
  EXPECT_EQ(at(plain, "/spec/template/roles/0/entryTemplate/spec/affinity"), Json::object());

  b["spec"]["backend"]["schedulerName"] = "volcano";
  b["spec"]["backend"]["runtimeClassName"] = "nvidia";
  const Json set = convert(b).model_serving;
  EXPECT_EQ(at(set, "/spec/schedulerName"), "volcano");
  EXPECT_EQ(at(set, "/spec/template/roles/0/entryTemplate/spec/runtimeClassName"), "nvidia");
  EXPECT_EQ(at(set, "/spec/template/roles/0/workerTemplate/spec/runtimeClassName"), "nvidia");
}

TEST(ConverterTest, AffinityAndTolerationsFollowTheirWorker) {
  Json b = pd_booster();
  Json& workers = b["spec"]["backend"]["workers"];
  workers[0]["affinity"] = Json::parse(R"({"nodeAffinity": {"x": 1}})");
  workers[1]["tolerations"] = Json::parse(R"([{"key": "gpu", "operator": "Exists"}])");
  const Json serving = convert(b).model_serving;
  EXPECT_EQ(at(serving, "/spec/template/roles/0/entryTemplate/spec/affinity"), workers[0]["affinity"]);
  EXPECT_FALSE(has(serving, "/spec/template/roles/0/entryTemplate/spec/tolerations"));
  EXPECT_EQ(at(serving, "/spec/template/roles/1/entryTemplate/spec/affinity"), Json::object());
  EXPECT_EQ(at(serving, "/spec/template/roles/1/entryTemplate/spec/tolerations"), workers[1]["tolerations"]);
}

TEST(ConverterTest, DisaggregatedShape) {
  const Json serving = convert(pd_booster("MooncakeConnectorV1")).model_serving;
  const Json& roles = at(serving, "/spec/template/roles");
  ASSERT_EQ(roles.size(), 2u);
  EXPECT_EQ(roles[0].at("name"), "prefill");
  EXPECT_EQ(roles[0].at("replicas"), 2);
  EXPECT_EQ(roles[1].at("name"), "decode");
  EXPECT_EQ(roles[1].at("replicas"), 1);
  for (const Json& role : roles) {
    EXPECT_EQ(role.at("workerReplicas"), 0);
    EXPECT_EQ(role.at("workerTemplate"), Json::parse(R"({"spec": {"containers": []}})"));
    const Json& spec = at(role, "/entryTemplate/spec");
    EXPECT_EQ(spec.at("volumes"), Json::parse(R"([{"name": "pd-backend-weights",
                                                    "persistentVolumeClaim": {"claimName": "models"}}])"));
    EXPECT_FALSE(spec.contains("terminationGracePeriodSeconds"));
  }
  // Both runtime sidecars get the backend's envFrom (upstream forgot it on prefill's).
  for (int role = 0; role < 2; ++role) {
    EXPECT_EQ(container(serving, role, "runtime").at("envFrom"),
              Json::parse(R"([{"secretRef": {"name": "hf-token"}}])"));
    EXPECT_EQ(container(serving, role, "vllm").at("imagePullPolicy"), "IfNotPresent");
  }
  EXPECT_EQ(container(serving, 0, "vllm").at("image"), "vllm:p");
  EXPECT_EQ(container(serving, 1, "vllm").at("image"), "vllm:d");
  EXPECT_EQ(container(serving, 0, "runtime").at("args")[3], "vllmdisaggregated");
  EXPECT_EQ(at(container(serving, 0, "vllm"), "/volumeMounts"),
            Json::parse(R"([{"name": "pd-backend-weights", "mountPath": "/models"}])"));
}

TEST(ConverterTest, GangPolicyNeverPinsMinRoleReplicas) {
  // minRoleReplicas is immutable on a ModelServing: writing it (as upstream does) makes the next change of a
  // worker's replicas fail. Left out, it defaults to each role's replicas, which is what upstream wrote.
  for (const Json& b : {vllm_booster(), pd_booster()}) {
    EXPECT_EQ(at(convert(b).model_serving, "/spec/template/gangPolicy"), Json::object());
  }
  Json scaled = pd_booster();
  scaled["spec"]["backend"]["workers"][0]["replicas"] = 5;
  const Json before = convert(pd_booster()).model_serving;
  const Json after = convert(scaled).model_serving;
  EXPECT_EQ(at(before, "/spec/template/gangPolicy"), at(after, "/spec/template/gangPolicy"));
  EXPECT_EQ(at(after, "/spec/template/roles/0/replicas"), 5);
}

TEST(ConverterTest, RevisionsChangeExactlyWhenTheirInputChanges) {
  const GeneratedObjects base = convert(vllm_booster());
  auto revision = [](const Json& o) { return at(o, "/metadata/labels/workload.serving.volcano.sh~1revision"); };
  EXPECT_EQ(revision(base.model_serving), revision(convert(vllm_booster()).model_serving));

  Json renamed = vllm_booster();  // spec.name only feeds the ModelRoute
  renamed["spec"]["name"] = "public-name";
  const GeneratedObjects r = convert(renamed);
  EXPECT_EQ(revision(r.model_serving), revision(base.model_serving));
  EXPECT_EQ(revision(r.model_server), revision(base.model_server));
  EXPECT_NE(revision(r.model_route), revision(base.model_route));
  EXPECT_EQ(at(r.model_route, "/spec/modelName"), "public-name");

  Json scaled = vllm_booster();  // the backend feeds the ModelServing; the server spec does not change
  scaled["spec"]["backend"]["replicas"] = 2;
  const GeneratedObjects s = convert(scaled);
  EXPECT_NE(revision(s.model_serving), revision(base.model_serving));
  EXPECT_EQ(revision(s.model_server), revision(base.model_server));
  EXPECT_EQ(revision(s.model_route), revision(base.model_route));
  // Every pod template carries the ModelServing's revision.
  EXPECT_EQ(at(s.model_serving, "/spec/template/roles/0/entryTemplate/metadata/labels"),
            at(s.model_serving, "/metadata/labels"));
}

TEST(ConverterTest, ModelServerAndRoute) {
  Json b = pd_booster("NixlConnector");
  b["spec"]["modelMatch"] = Json::parse(R"({"headers": {"x-tier": {"exact": "gold"}}})");
  const GeneratedObjects out = convert(b);
  EXPECT_EQ(out.model_server.at("spec"), Json::parse(R"({
      "model": "qwen3", "inferenceEngine": "vLLM",
      "workloadSelector": {"matchLabels": {"workload.serving.volcano.sh/model-uid": "uid-2"},
        "pdGroup": {"groupKey": "modelserving.volcano.sh/group-name",
                    "prefillLabels": {"modelserving.volcano.sh/role": "prefill"},
                    "decodeLabels": {"modelserving.volcano.sh/role": "decode"}}},
      "workloadPort": {"port": 8000},
      "trafficPolicy": {"retry": {"attempts": 5, "retryInterval": "0s"}},
      "kvConnector": {"type": "nixl"}})"));
  EXPECT_EQ(out.model_route.at("spec"), Json::parse(R"({"modelName": "pd", "rules": [{"name": "default",
      "modelMatch": {"headers": {"x-tier": {"exact": "gold"}}}, "targetModels": [{"modelServerName": "pd-pd-backend"}]}]})"));
}

TEST(ServedModelNameTest, FollowsUpstreamsScan) {
  struct Case {
    const char* workers;
    const char* expected;
  } cases[] = {
      {R"([{"type": "server", "config": {"served-model-name": "a"}}])", "a"},
      {R"([{"type": "server"}])", "demo"},
      {R"([{"type": "server", "config": {"max-model-len": 1}}])", "demo"},
      {R"([{"type": "server", "config": {"served-model-name": 7}}])", "demo"},
      {R"([{"type": "prefill", "config": {"served-model-name": "p"}},
           {"type": "decode", "config": {"served-model-name": "d"}}])",
       "d"},
      // A server/decode worker without a config ends the scan (upstream returns on the parse error).
      {R"([{"type": "decode"}, {"type": "decode", "config": {"served-model-name": "d"}}])", "demo"},
      {R"([{"type": "decode", "config": {}}, {"type": "decode", "config": {"served-model-name": "d2"}}])", "d2"},
  };
  for (const Case& c : cases) {
    Json b = vllm_booster();
    b["spec"]["backend"]["workers"] = Json::parse(c.workers);
    b["spec"]["name"] = "not-used-here";
    EXPECT_EQ(served_model_name(read_or_die(b)), c.expected) << c.workers;
  }
}

TEST(ConverterTest, ErrorsNameTheField) {
  struct Case {
    Json booster;
    const char* error;
  };
  Json no_prefill = pd_booster();
  no_prefill["spec"]["backend"]["workers"].erase(0);
  Json no_decode = pd_booster();
  no_decode["spec"]["backend"]["workers"].erase(1);
  Json no_server = vllm_booster();
  no_server["spec"]["backend"]["workers"][0]["type"] = "decode";
  Json no_cache = vllm_booster();
  no_cache["spec"]["backend"].erase("cacheURI");
  Json sglang = vllm_booster();
  sglang["spec"]["backend"]["type"] = "SGLang";
  Json bad_kv = pd_booster("NixlConnector");
  bad_kv["spec"]["backend"]["workers"][1]["config"].erase("kv-transfer-config");
  const Case cases[] = {
      {no_prefill, "spec.backend.workers: Required value: prefill worker not found in backend"},
      {no_decode, "spec.backend.workers: Required value: decode worker not found in backend"},
      {no_server, "spec.backend.workers: Required value: server worker not found in backend: backend1"},
      {no_cache, "spec.backend.cacheURI: Required value: the model is downloaded into this cache"},
      {sglang, R"(spec.backend.type: Invalid value: "SGLang": not support model backend type: SGLang)"},
      {bad_kv, R"(spec.backend.workers: Invalid value: "pd-backend": invalid kv connector configuration: backend )"
               R"(pd-backend: prefill worker specifies kv_connector "NixlConnector")"},
      {Json::parse(R"({"metadata": {"name": "x"}, "spec": {}})"), "spec.backend: Required value"},
      {Json::parse(R"({"metadata": {"name": "x"}, "spec": {"backend": {"name": "b", "type": "vLLM",
                       "modelURI": "hf://m", "replicas": "1", "workers": [{}]}}})"),
       R"(spec.backend.replicas: Invalid value: "1": must be of type integer)"},
  };
  for (const Case& c : cases) {
    const std::string text = convert_error(c.booster).to_string();
    EXPECT_EQ(text.rfind(c.error, 0), 0u) << text;
  }
}

}  // namespace
}  // namespace kthena::controllers::modelbooster
