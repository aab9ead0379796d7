// The ModelBooster controller end to end, beside the ModelServing controller, on the embedded API server with the
// stand-in kubelet of controller_fixture.h. Upstream's TestModelCR and TestModelCRDisaggregated (spec
// kthena-workload.md §5.2) under their names, the lifecycle on the conditions (Initialized → Active, Failed set then
// cleared), and every upstream ModelBooster example producing live what `kthena convert` prints.
#include <algorithm>
#include <filesystem>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "api/admission.h"
#include "api/codec/yaml_decoder.h"
#include "controllers/modelbooster/converter.h"
#include "e2e/controller_fixture.h"
#include "unit/api/conformance_dir.h"

namespace kthena::e2e {
namespace {

namespace fs = std::filesystem;
using kthena::testing::conformance_dir;

// The objects of a YAML file.
std::vector<Json> load_yaml(const fs::path& path) {
  auto docs = api::decode_documents(kthena::testing::read_file(path), path.string());
  EXPECT_TRUE(docs) << docs.error().to_string();
  std::vector<Json> out;
  if (docs) {
    for (api::Document& d : *docs) out.push_back(std::move(d.value));
  }
  return out;
}

class ModelBoosterController : public ControllerManager {
 protected:
  Json create_booster(Json booster) {
    auto created = client_->create(res::model_boosters(), "default", booster);
    EXPECT_TRUE(created) << created.error().to_string();
    return created ? *created : Json();
  }
  Json booster(const std::string& name) {
    auto got = client_->get(res::model_boosters(), "default", name);
    return got ? *got : Json::object();
  }
  Json child(const kube::Resource& resource, const std::string& name) {
    auto got = client_->get(resource, "default", name);
    return got ? *got : Json();
  }
  // The condition of `type` (a copy), or an empty object.
  static Json condition(const Json& object, const std::string& type) {
    if (!object.contains("status") || !object["status"].contains("conditions")) return Json::object();
    for (const Json& c : object["status"]["conditions"]) {
      if (c.value("type", "") == type) return c;
    }
    return Json::object();
  }
  bool wait_condition(const std::string& name, const std::string& type, const std::string& status,
                      std::chrono::seconds timeout = 60s) {
    return eventually([&] { return condition(booster(name), type).value("status", "") == status; }, timeout);
  }
  template <typename F>
  void edit_booster(const std::string& name, F change) {
    for (int attempt = 0; attempt < 20; ++attempt) {
      Json b = booster(name);
      change(b);
      auto updated = client_->update(res::model_boosters(), b);
      if (updated) return;
      ASSERT_EQ(updated.error().code, ErrorCode::kConflict) << updated.error().to_string();
    }
    FAIL() << "could not update " << name;
  }
  // The children of booster `uid` of one kind (by the model-uid label).
  std::vector<Json> children(const kube::Resource& resource, const std::string& uid) {
    kube::ListOptions options;
    options.label_selector = "workload.serving.volcano.sh/model-uid=" + uid;
    auto list = client_->list(resource, "default", options);
    return list ? (*list)["items"].get<std::vector<Json>>() : std::vector<Json>{};
  }
  static void expect_owned(const Json& object, const Json& booster, const std::string& backend_name) {
    SCOPED_TRACE(object["kind"].get<std::string>() + " " + object["metadata"]["name"].get<std::string>());
    const Json& refs = object["metadata"]["ownerReferences"];
    ASSERT_EQ(refs.size(), 1u);
    EXPECT_EQ(refs[0]["kind"], "ModelBooster");
    EXPECT_EQ(refs[0]["uid"], booster["metadata"]["uid"]);
    EXPECT_EQ(refs[0]["controller"], true);
    EXPECT_EQ(refs[0]["blockOwnerDeletion"], true);
    const Json& labels = object["metadata"]["labels"];
    EXPECT_EQ(labels.value("workload.serving.volcano.sh/model-name", "?"), booster["metadata"]["name"]);
    EXPECT_EQ(labels.value("workload.serving.volcano.sh/backend-name", "?"), backend_name);
    EXPECT_EQ(labels.value("workload.serving.volcano.sh/managed-by", ""), "workload.serving.volcano.sh");
    EXPECT_EQ(labels.value("workload.serving.volcano.sh/model-uid", ""), booster["metadata"]["uid"]);
    EXPECT_FALSE(labels.value("workload.serving.volcano.sh/revision", "").empty());
  }
};

// upstream's TestModelCR: the children, each healed after a delete, a backend edit rolling the ModelServing, and
// everything collected with the booster.
TEST_F(ModelBoosterController, TestModelCR) {
  fs::path file = conformance_dir() / "kthena/HEAD/test/e2e/controller-manager/testdata/ModelBooster-vllm.yaml";
  KTHENA_REQUIRE_CONFORMANCE(file);
  Json created = create_booster(load_yaml(file).at(0));
  std::string uid = created["metadata"]["uid"];
  ASSERT_TRUE(wait_condition("test-model", "Active", "True")) << booster("test-model").dump(2);
  Json b = booster("test-model");
  EXPECT_EQ(condition(b, "Initialized").value("reason", ""), "ModelCreating");
  EXPECT_EQ(condition(b, "Active").value("reason", ""), "ModelAvailable");
  EXPECT_TRUE(condition(b, "Failed").empty());
  EXPECT_EQ(b["status"]["observedGeneration"], b["metadata"]["generation"]);

  struct Child {
    kube::Resource resource;
    std::string name;
    std::string backend;
  };
  const Child kids[] = {{res::model_servings(), "test-model-backend1", "backend1"},
                        {res::model_servers(), "test-model-backend1", "backend1"},
                        {res::model_routes(), "test-model", ""}};
  for (const Child& c : kids) {
    Json object = child(c.resource, c.name);
    ASSERT_FALSE(object.is_null()) << c.name;
    expect_owned(object, created, c.backend);
  }
  // Each child deleted comes back with a new UID.
  for (const Child& c : kids) {
    std::string old_uid = child(c.resource, c.name)["metadata"]["uid"];
    ASSERT_TRUE(client_->remove(c.resource, "default", c.name)) << c.name;
    EXPECT_TRUE(eventually([&] {
      Json again = child(c.resource, c.name);
      return !again.is_null() && again["metadata"]["uid"] != old_uid;
    })) << c.resource.kind
        << " " << c.name << " was not recreated";
  }
  // A backend edit moves the ModelServing's revision label.
  std::string revision =
      label(child(res::model_servings(), "test-model-backend1"), "workload.serving.volcano.sh/revision");
  edit_booster("test-model", [](Json& x) { x["spec"]["backend"]["schedulerName"] = "volcano"; });
  EXPECT_TRUE(eventually([&] {
    return label(child(res::model_servings(), "test-model-backend1"), "workload.serving.volcano.sh/revision") !=
           revision;
  }));
  EXPECT_EQ(child(res::model_servings(), "test-model-backend1")["spec"]["schedulerName"], "volcano");

  ASSERT_TRUE(client_->remove(res::model_boosters(), "default", "test-model"));
  EXPECT_TRUE(eventually([&] {
    return children(res::model_servings(), uid).empty() && children(res::model_servers(), uid).empty() &&
           children(res::model_routes(), uid).empty() && ms_pods("test-model-backend1").empty();
  }));
}

// upstream's TestModelCRDisaggregated: prefill and decode roles, a ModelServer with the owner and labels, both
// collected with the booster.
TEST_F(ModelBoosterController, TestModelCRDisaggregated) {
  fs::path file =
      conformance_dir() / "kthena/HEAD/test/e2e/controller-manager/testdata/ModelBooster-vllm-disaggregated.yaml";
  KTHENA_REQUIRE_CONFORMANCE(file);
  Json created = create_booster(load_yaml(file).at(0));
  std::string uid = created["metadata"]["uid"];
  ASSERT_TRUE(eventually([&] { return !child(res::model_servers(), "test-model-disaggregated-backend1").is_null(); }));
  Json ms = child(res::model_servings(), "test-model-disaggregated-backend1");
  ASSERT_FALSE(ms.is_null());
  std::set<std::string> roles;
  for (const Json& r : ms["spec"]["template"]["roles"]) roles.insert(r["name"].get<std::string>());
  EXPECT_EQ(roles, (std::set<std::string>{"prefill", "decode"}));
  expect_owned(ms, created, "backend1");
  expect_owned(child(res::model_servers(), "test-model-disaggregated-backend1"), created, "backend1");
  ASSERT_TRUE(client_->remove(res::model_boosters(), "default", "test-model-disaggregated"));
  EXPECT_TRUE(eventually(
      [&] { return children(res::model_servings(), uid).empty() && children(res::model_servers(), uid).empty(); }));
}

Json small_booster(const std::string& name) {
  return {{"apiVersion", "workload.serving.volcano.sh/v1alpha1"},
          {"kind", "ModelBooster"},
          {"metadata", {{"name", name}, {"namespace", "default"}}},
          {"spec",
           {{"backend",
             {{"name", "b"},
              {"type", "vLLM"},
              {"modelURI", "hf://Qwen/Qwen2.5-0.5B-Instruct"},
              {"cacheURI", "hostpath:///tmp/cache"},
              {"replicas", 1},
              {"workers",
               Json::array(
                   {{{"type", "server"}, {"image", "vllm/vllm-openai:v0.10.0"}, {"replicas", 1}, {"pods", 1}}})}}}}}};
}

// A name held by an object the booster does not control: Failed says which, nothing is taken over; once the name is
// free the booster recovers (Failed False, Active True).
TEST_F(ModelBoosterController, FailedIsSetThenClearedAndNothingIsTakenOver) {
  Json squatter = basic_model_serving("taken-b", 1, Json::array({role("prefill", 1, 0)}));
  create(squatter);
  create_booster(small_booster("taken"));
  ASSERT_TRUE(wait_condition("taken", "Failed", "True"));
  Json b = booster("taken");
  EXPECT_EQ(condition(b, "Failed").value("reason", ""), "ModelAbnormal");
  EXPECT_EQ(condition(b, "Failed").value("message", ""),
            "ModelServing taken-b exists and is not controlled by ModelBooster taken; it is left alone");
  EXPECT_EQ(condition(b, "Active").value("status", ""), "False");
  EXPECT_EQ(condition(b, "Active").value("reason", ""), "ModelAbnormal");
  EXPECT_FALSE(get("taken-b")["metadata"].contains("ownerReferences"));
  EXPECT_EQ(get("taken-b")["spec"]["template"]["roles"][0]["name"], "prefill");

  ASSERT_TRUE(client_->remove(res::model_servings(), "default", "taken-b"));
  ASSERT_TRUE(wait_condition("taken", "Active", "True"));
  b = booster("taken");
  EXPECT_EQ(condition(b, "Failed").value("status", ""), "False");
  EXPECT_EQ(condition(b, "Failed").value("reason", ""), "ModelRecovered");
}

// A child the API server refuses: the ModelServing's pod names must stay DNS labels (spec §1.4: "<ms>-<replicas>-
// <role>-<roleReplicas>-<workers>" at most 63 characters), which the booster's own admission does not check. A
// 50-character ModelServing name fits with 1 replica and not with 10: the update is a 422 whose message, field
// included, becomes Failed's; reverting the edit clears it, and the running ModelServing was never touched.
TEST_F(ModelBoosterController, AChildTheApiServerRefusesSetsFailedWithItsMessage) {
  const std::string name(48, 'r');  // the ModelServing is "<name>-b": 50 characters
  create_booster(small_booster(name));
  ASSERT_TRUE(wait_condition(name, "Active", "True"));
  edit_booster(name, [](Json& x) { x["spec"]["backend"]["replicas"] = 10; });
  ASSERT_TRUE(wait_condition(name, "Failed", "True"));
  Json b = booster(name);
  std::string message = condition(b, "Failed").value("message", "");
  EXPECT_NE(message.find("ModelServing " + name + "-b"), std::string::npos) << message;
  EXPECT_NE(message.find("metadata.name"), std::string::npos) << message;
  EXPECT_NE(message.find("invalid name"), std::string::npos) << message;
  EXPECT_EQ(condition(b, "Active").value("reason", ""), "ModelAbnormal");
  EXPECT_EQ(get(name + "-b")["spec"]["replicas"], 1);
  edit_booster(name, [](Json& x) { x["spec"]["backend"]["replicas"] = 1; });
  ASSERT_TRUE(wait_condition(name, "Failed", "False"));
  EXPECT_EQ(condition(booster(name), "Failed").value("reason", ""), "ModelRecovered");
  EXPECT_TRUE(wait_condition(name, "Active", "True"));
}

// spec.name is the ModelRoute's modelName, which cannot change: the route is deleted and recreated.
TEST_F(ModelBoosterController, ANewModelNameReplacesTheModelRoute) {
  create_booster(small_booster("renamed"));
  ASSERT_TRUE(eventually([&] { return !child(res::model_routes(), "renamed").is_null(); }));
  std::string old_uid = child(res::model_routes(), "renamed")["metadata"]["uid"];
  edit_booster("renamed", [](Json& x) { x["spec"]["name"] = "another-model"; });
  EXPECT_TRUE(eventually([&] {
    Json route = child(res::model_routes(), "renamed");
    return !route.is_null() && route["metadata"]["uid"] != old_uid && route["spec"]["modelName"] == "another-model";
  }));
}

// A renamed backend replaces its ModelServing and ModelServer.
TEST_F(ModelBoosterController, ABackendRenameReplacesItsChildren) {
  create_booster(small_booster("moving"));
  ASSERT_TRUE(eventually([&] { return !child(res::model_servers(), "moving-b").is_null(); }));
  edit_booster("moving", [](Json& x) { x["spec"]["backend"]["name"] = "c"; });
  EXPECT_TRUE(eventually([&] {
    return !child(res::model_servings(), "moving-c").is_null() && !child(res::model_servers(), "moving-c").is_null() &&
           child(res::model_servings(), "moving-b").is_null() && child(res::model_servers(), "moving-b").is_null();
  }));
  EXPECT_TRUE(wait_condition("moving", "Active", "True"));
}

// The runtime and downloader images come from the ConfigMap model-booster-controller-config in the controller's
// namespace, read at start, as upstream.
TEST_F(ModelBoosterController, ImagesComeFromTheControllerConfigMap) {
  manager_.reset();
  Json config = {{"apiVersion", "v1"},
                 {"kind", "ConfigMap"},
                 {"metadata", {{"name", "model-booster-controller-config"}, {"namespace", "kthena-system"}}},
                 {"data",
                  {{"model_serving_runtime_image", "registry.example/kthena-runtime:1.2"},
                   {"model_serving_downloader_image", "registry.example/kthena-downloader:1.2"}}}};
  ASSERT_TRUE(client_->create(res::config_maps(), "kthena-system", config));
  start_manager();
  create_booster(small_booster("images"));
  Json ms;
  ASSERT_TRUE(eventually([&] { return !(ms = child(res::model_servings(), "images-b")).is_null(); }));
  std::set<std::string> images;
  for (const Json& role : ms["spec"]["template"]["roles"]) {
    const Json& spec = role["entryTemplate"]["spec"];
    for (const char* list : {"containers", "initContainers"}) {
      for (const Json& c : spec.value(list, Json::array())) images.insert(c.value("image", ""));
    }
  }
  EXPECT_TRUE(images.count("registry.example/kthena-runtime:1.2")) << ms.dump(2);
  EXPECT_TRUE(images.count("registry.example/kthena-downloader:1.2")) << ms.dump(2);
}

// Every upstream ModelBooster example (HEAD and v0.2.0) produces, live, what `kthena convert` computes for the stored
// booster; the converter itself is checked against upstream's goldens in tests/conformance.
class ModelBoosterExamples : public ModelBoosterController, public ::testing::WithParamInterface<std::string> {};

TEST_P(ModelBoosterExamples, LiveChildrenEqualKthenaConvert) {
  fs::path file = conformance_dir() / "kthena" / GetParam();
  KTHENA_REQUIRE_CONFORMANCE(file);
  auto converter = controllers::modelbooster::ModelBoosterConverter::create();
  ASSERT_TRUE(converter);
  for (Json doc : load_yaml(file)) {
    if (doc.value("kind", "") != "ModelBooster") continue;
    doc["metadata"]["namespace"] = "default";
    Json created = create_booster(doc);
    ASSERT_FALSE(created.is_null());
    auto expected = converter->convert(created);
    ASSERT_TRUE(expected) << expected.error().to_string();
    for (const Json& want : expected->in_order()) {
      const std::string kind = want["kind"];
      const std::string name = want["metadata"]["name"];
      kube::Resource resource = kind == "ModelServing"  ? res::model_servings()
                                : kind == "ModelServer" ? res::model_servers()
                                : kind == "ModelRoute"  ? res::model_routes()
                                                        : res::autoscaling_policies();
      Json live;
      ASSERT_TRUE(eventually([&] { return !(live = child(resource, name)).is_null(); })) << kind << " " << name;
      // What the API server adds (defaults) is not the controller's: compare after the same admission.
      auto admitted = api::default_object(api::KindRegistry::builtin(), want);
      ASSERT_TRUE(admitted) << admitted.error().to_string();
      EXPECT_EQ(live["spec"], (*admitted)["spec"]) << kind << " " << name;
      EXPECT_EQ(live["metadata"]["labels"], want["metadata"]["labels"]) << kind << " " << name;
      EXPECT_EQ(live["metadata"]["ownerReferences"], want["metadata"]["ownerReferences"]) << kind << " " << name;
    }
  }
}

std::vector<std::string> example_files() {
  std::vector<std::string> out;
  for (const char* dir : {"HEAD/examples/model-booster", "v0.2.0/examples/model-booster"}) {
    fs::path path = conformance_dir() / "kthena" / dir;
    if (!fs::exists(path)) continue;
    for (const auto& entry : fs::directory_iterator(path)) {
      if (entry.path().extension() == ".yaml") out.push_back(std::string(dir) + "/" + entry.path().filename().string());
    }
  }
  std::sort(out.begin(), out.end());
  if (out.empty()) out.push_back("HEAD/examples/model-booster/absent.yaml");  // skips, or fails when required
  return out;
}

std::string case_name(const ::testing::TestParamInfo<std::string>& info) {
  std::string name;
  for (char c : info.param.substr(0, info.param.size() - 5))
    name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return name;
}

INSTANTIATE_TEST_SUITE_P(Upstream, ModelBoosterExamples, ::testing::ValuesIn(example_files()), case_name);

}  // namespace
}  // namespace kthena::e2e
