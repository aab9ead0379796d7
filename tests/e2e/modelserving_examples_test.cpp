// Upstream's ModelServing examples (kthena HEAD examples/model-serving, spec kthena-workload.md §5.5 and §8.6), run
// end to end: each manifest is created as `kubectl apply` would, and the pods, headless Services and Volcano
// PodGroups the controller makes are compared with what spec §3 says they must be. One test case per example file,
// so that an example added upstream shows up as a new case.
//
// The expectations are computed here from the manifest by the spec's rules, independently of the controller's
// builders (src/controllers/modelserving/pod_builder.cpp, pod_group.cpp): names (§3.1), pods (§3.2, §1.2),
// Services (§3.3), PodGroups (§3.10).
//
// Namespaces: an example keeps the namespace it names (default, kthena-system, dev), which is created first when the
// API server does not have it, as a user would before `kubectl apply`: so ENTRY_ADDRESS is checked with a namespace
// other than default too.
#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gtest/gtest.h>

#include "api/codec/yaml_decoder.h"
#include "api/values/quantity.h"
#include "e2e/controller_fixture.h"
#include "kube/client.h"
#include "unit/api/conformance_dir.h"

namespace kthena {
namespace {

namespace fs = std::filesystem;
namespace res = kube::resources;
using namespace std::chrono_literals;

constexpr const char* kName = "modelserving.volcano.sh/name";
constexpr const char* kGroupName = "modelserving.volcano.sh/group-name";
constexpr const char* kRole = "modelserving.volcano.sh/role";
constexpr const char* kRoleId = "modelserving.volcano.sh/role-id";
constexpr const char* kEntry = "modelserving.volcano.sh/entry";
constexpr const char* kRevision = "modelserving.volcano.sh/revision";
constexpr const char* kRoleTemplateHash = "modelserving.volcano.sh/role-template-hash";
constexpr const char* kVolcanoGroup = "scheduling.k8s.io/group-name";
constexpr const char* kVolcanoTask = "volcano.sh/task-spec";
constexpr const char* kQueueAnnotation = "scheduling.volcano.sh/queue-name";

fs::path examples_dir() {
  return testing::conformance_dir() / "kthena/HEAD/examples/model-serving";
}

// The example files, relative to examples_dir(), sorted: the test parameters.
std::vector<std::string> example_files() {
  std::vector<std::string> out;
  for (const fs::path& file : testing::files_under(examples_dir(), {".yaml", ".yml"})) {
    out.push_back(fs::relative(file, examples_dir()).generic_string());
  }
  return out;
}

// "gpu-pd-disaggregation.yaml" -> "gpu_pd_disaggregation" (gtest names are identifiers).
std::string case_name(const ::testing::TestParamInfo<std::string>& info) {
  std::string name = fs::path(info.param).replace_extension().generic_string();
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name;
}

// ---- Reading the manifest --------------------------------------------------------------------------------------

const Json& at(const Json& object, const char* key) {
  static const Json null;
  if (!object.is_object()) return null;
  auto it = object.find(key);
  return it == object.end() ? null : *it;
}

int64_t integer_or(const Json& value, int64_t fallback) {
  return value.is_number_integer() ? value.get<int64_t>() : fallback;
}

std::string string_or(const Json& value, const std::string& fallback = {}) {
  return value.is_string() ? value.get<std::string>() : fallback;
}

// Comparable regardless of key order (Json keeps insertion order, and compares it).
nlohmann::json canon(const Json& value) {
  return nlohmann::json::parse(value.dump());
}

// A string map (labels, annotations, selector), absent reading as empty.
std::map<std::string, std::string> string_map(const Json& value) {
  std::map<std::string, std::string> out;
  if (!value.is_object()) return out;
  for (const auto& [k, v] : value.items()) out[k] = v.is_string() ? v.get<std::string>() : v.dump();
  return out;
}

// A ResourceList by value ("100m" == "0.1", 125 == "125"); absent reads as empty.
std::map<std::string, api::Quantity> quantities(const Json& list) {
  std::map<std::string, api::Quantity> out;
  if (!list.is_object()) return out;
  for (const auto& [name, value] : list.items()) {
    auto q = api::Quantity::from_json(value);
    EXPECT_TRUE(q) << name << ": " << value.dump();
    if (q) out.emplace(name, *q);
  }
  return out;
}

std::string show(const std::map<std::string, api::Quantity>& list) {
  std::vector<std::string> parts;
  for (const auto& [name, q] : list) parts.push_back(name + "=" + q.to_string());
  return fmt::format("{{{}}}", fmt::join(parts, ", "));
}

// The ModelServing after the CRD's defaults that matter here (§1.4): replicas 1, schedulerName volcano, role
// replicas 1.
struct Serving {
  std::string name, ns, scheduler;
  int64_t replicas = 1;
  const Json* spec = nullptr;
  const Json* roles = nullptr;

  explicit Serving(const Json& ms) {
    name = string_or(at(at(ms, "metadata"), "name"));
    ns = string_or(at(at(ms, "metadata"), "namespace"), "default");
    spec = &at(ms, "spec");
    scheduler = string_or(at(*spec, "schedulerName"), "volcano");
    replicas = integer_or(at(*spec, "replicas"), 1);
    roles = &at(at(*spec, "template"), "roles");
  }
};

int64_t role_replicas(const Json& role) {
  return integer_or(at(role, "replicas"), 1);
}
int64_t worker_replicas(const Json& role) {
  return integer_or(at(role, "workerReplicas"), 0);
}

// minR(role) of §3.10: gangPolicy.minRoleReplicas[role] when present, else role.replicas, at most role.replicas.
int64_t min_role(const Serving& s, const Json& role) {
  const Json& wanted =
      at(at(at(at(*s.spec, "template"), "gangPolicy"), "minRoleReplicas"), string_or(at(role, "name")).c_str());
  return std::min(integer_or(wanted, role_replicas(role)), role_replicas(role));
}

// ---- The expected objects --------------------------------------------------------------------------------------

struct ExpectedPod {
  std::string name, group, role, role_id;
  int64_t index = 0;
  const Json* role_spec = nullptr;
  const Json* tmpl = nullptr;  // entryTemplate or workerTemplate
};

std::map<std::string, ExpectedPod> expected_pods(const Serving& s) {
  std::map<std::string, ExpectedPod> out;
  for (int64_t g = 0; g < s.replicas; ++g) {
    std::string group = fmt::format("{}-{}", s.name, g);
    for (const Json& role : *s.roles) {
      std::string role_name = string_or(at(role, "name"));
      for (int64_t r = 0; r < role_replicas(role); ++r) {
        std::string role_id = fmt::format("{}-{}", role_name, r);
        for (int64_t i = 0; i <= worker_replicas(role); ++i) {
          ExpectedPod p{fmt::format("{}-{}-{}", group, role_id, i),
                        group,
                        role_name,
                        role_id,
                        i,
                        &role,
                        &at(role, i == 0 ? "entryTemplate" : "workerTemplate")};
          out.emplace(p.name, p);
        }
      }
    }
  }
  return out;
}

struct ExpectedService {
  std::string group, role, role_id;
};

// §3.3: one per role instance whose role has a workerTemplate, even with workerReplicas 0.
std::map<std::string, ExpectedService> expected_services(const Serving& s) {
  std::map<std::string, ExpectedService> out;
  for (int64_t g = 0; g < s.replicas; ++g) {
    std::string group = fmt::format("{}-{}", s.name, g);
    for (const Json& role : *s.roles) {
      if (!role.contains("workerTemplate")) continue;
      std::string role_name = string_or(at(role, "name"));
      for (int64_t r = 0; r < role_replicas(role); ++r) {
        std::string role_id = fmt::format("{}-{}", role_name, r);
        out.emplace(fmt::format("{}-{}-0", group, role_id), ExpectedService{group, role_name, role_id});
      }
    }
  }
  return out;
}

// §3.10: PodGroups exist iff the server serves them (the embedded one does) and schedulerName is volcano.
std::set<std::string> expected_pod_groups(const Serving& s) {
  std::set<std::string> out;
  if (s.scheduler != "volcano") return out;
  for (int64_t g = 0; g < s.replicas; ++g) out.insert(fmt::format("{}-{}", s.name, g));
  return out;
}

// Σ over the containers (not initContainers) of a template of their requests, each times `factor`.
void add_requests(std::map<std::string, api::Quantity>& total, const Json& tmpl, int64_t factor) {
  const Json& containers = at(at(tmpl, "spec"), "containers");
  if (!containers.is_array()) return;
  for (const Json& c : containers) {
    for (auto [name, q] : quantities(at(at(c, "resources"), "requests"))) {
      q.mul(factor);
      if (auto it = total.find(name); it != total.end()) {
        it->second.add(q);
      } else {
        total.emplace(name, q);
      }
    }
  }
}

// The three variables of §3.2 step 5, appended after the template's own (any of the same names removed).
Json expected_env(const Json& container, const ExpectedPod& p, const Serving& s) {
  Json env = Json::array();
  for (const Json& var : at(container, "env")) {
    std::string name = string_or(at(var, "name"));
    if (name != "GROUP_SIZE" && name != "ENTRY_ADDRESS" && name != "WORKER_INDEX") env.push_back(var);
  }
  env.push_back({{"name", "GROUP_SIZE"}, {"value", std::to_string(worker_replicas(*p.role_spec) + 1)}});
  env.push_back({{"name", "ENTRY_ADDRESS"}, {"value", fmt::format("{}-{}-0.{}", p.group, p.role_id, s.ns)}});
  env.push_back({{"name", "WORKER_INDEX"}, {"value", std::to_string(p.index)}});
  return env;
}

// Every field of `want` is in `have` with the same value (the API server may add defaults); arrays match element by
// element.
void expect_contains(const Json& have, const Json& want, const std::string& where) {
  if (want.is_object()) {
    if (!have.is_object()) {
      ADD_FAILURE() << where << ": want " << want.dump() << ", have " << have.dump();
      return;
    }
    for (const auto& [k, v] : want.items()) expect_contains(at(have, k.c_str()), v, where + "." + k);
  } else if (want.is_array()) {
    if (!have.is_array() || have.size() != want.size()) {
      ADD_FAILURE() << where << ": want " << want.dump() << ", have " << have.dump();
      return;
    }
    for (size_t i = 0; i < want.size(); ++i) expect_contains(have[i], want[i], fmt::format("{}[{}]", where, i));
  } else {
    EXPECT_EQ(canon(have), canon(want)) << where;
  }
}

// The containers (or initContainers) of a pod against its template's: same names in order; env as §3.2; resources
// equal by value; every other field copied.
void expect_containers(const Json& have, const Json& want, const ExpectedPod& p, const Serving& s,
                       const std::string& where) {
  if (!want.is_array() || want.empty()) {
    EXPECT_TRUE(have.is_null() || (have.is_array() && have.empty())) << where << ": " << have.dump();
    return;
  }
  ASSERT_TRUE(have.is_array() && have.size() == want.size()) << where << ": " << have.dump();
  for (size_t i = 0; i < want.size(); ++i) {
    std::string c_where = fmt::format("{}[{}] ({})", where, i, string_or(at(want[i], "name")));
    EXPECT_EQ(at(have[i], "name"), at(want[i], "name")) << c_where;
    EXPECT_EQ(canon(at(have[i], "env")), canon(expected_env(want[i], p, s))) << c_where << " env";
    const Json& want_resources = at(want[i], "resources");
    const Json& have_resources = at(have[i], "resources");
    EXPECT_EQ(show(quantities(at(have_resources, "limits"))), show(quantities(at(want_resources, "limits"))))
        << c_where << " resources.limits";
    // The controller copies the template's requests. A kube-apiserver then defaults a missing request to its limit
    // (Pod defaulting); the embedded API server does not: either is right here.
    auto want_requests = quantities(at(want_resources, "requests"));
    auto defaulted = want_requests;
    for (const auto& [name, q] : quantities(at(want_resources, "limits"))) defaulted.emplace(name, q);
    std::string have_requests = show(quantities(at(have_resources, "requests")));
    if (have_requests != show(defaulted)) {
      EXPECT_EQ(have_requests, show(want_requests)) << c_where << " resources.requests";
    }
    Json rest = want[i];
    rest.erase("env");
    rest.erase("resources");
    expect_contains(have[i], rest, c_where);
  }
}

Json owner(const Json& ms, bool block_owner_deletion) {
  Json ref = {{"apiVersion", "workload.serving.volcano.sh/v1alpha1"},
              {"kind", "ModelServing"},
              {"name", ms["metadata"]["name"]},
              {"uid", ms["metadata"]["uid"]},
              {"controller", true}};
  if (block_owner_deletion) ref["blockOwnerDeletion"] = true;
  return Json::array({ref});
}

std::set<std::string> names(const std::vector<Json>& objects) {
  std::set<std::string> out;
  for (const Json& o : objects) out.insert(o["metadata"]["name"].get<std::string>());
  return out;
}
template <typename M>
std::set<std::string> keys(const M& map) {
  std::set<std::string> out;
  for (const auto& [k, v] : map) out.insert(k);
  return out;
}

// ---- The test --------------------------------------------------------------------------------------------------

class ModelServingExample : public e2e::ControllerManager, public ::testing::WithParamInterface<std::string> {
 protected:
  std::vector<Json> list(const kube::Resource& resource, const std::string& ms) {
    kube::ListOptions options;
    options.label_selector = std::string(kName) + "=" + ms;
    auto listed = client_->list(resource, ns_, options);
    std::vector<Json> out;
    if (listed) {
      for (Json& o : (*listed)["items"]) out.push_back(std::move(o));
    }
    return out;
  }
  // The namespace the example names, created first if the server lacks it (as `kubectl create namespace`).
  void ensure_namespace(const std::string& ns) {
    if (client_->get(res::namespaces(), "", ns)) return;
    auto created = client_->create(res::namespaces(), "", Json{{"metadata", {{"name", ns}}}});
    ASSERT_TRUE(created) << "namespace " << ns << ": " << created.error().to_string();
  }
  void check(const Json& manifest);
};

void ModelServingExample::check(const Json& manifest) {
  Serving s(manifest);
  ASSERT_FALSE(s.name.empty());
  ASSERT_TRUE(s.roles->is_array());
  ns_ = s.ns;
  ASSERT_NO_FATAL_FAILURE(ensure_namespace(s.ns));
  auto created = client_->create(res::model_servings(), s.ns, manifest);
  ASSERT_TRUE(created) << "the API server refused the example: " << created.error().to_string();
  const Json& ms = *created;

  auto want_pods = expected_pods(s);
  auto want_services = expected_services(s);
  auto want_groups = expected_pod_groups(s);
  // Wait until the controller has made every object (not until they are ready: that comes last).
  bool complete = eventually([&] {
    return names(list(res::pods(), s.name)) == keys(want_pods) &&
           names(list(res::services(), s.name)) == keys(want_services) &&
           names(list(res::pod_groups(), s.name)) == want_groups;
  });

  // ---- Pods (§3.1, §3.2) ----
  std::vector<Json> pods = list(res::pods(), s.name);
  EXPECT_EQ(names(pods), keys(want_pods)) << "pod names";
  std::set<std::string> revisions;
  std::map<std::string, std::set<std::string>> role_hashes;
  for (const Json& pod : pods) {
    std::string pod_name = pod["metadata"]["name"];
    auto it = want_pods.find(pod_name);
    if (it == want_pods.end()) continue;
    const ExpectedPod& p = it->second;
    SCOPED_TRACE("pod " + pod_name);
    const Json& meta = pod["metadata"];
    EXPECT_EQ(string_or(at(meta, "namespace")), s.ns);

    // Labels: the controller's, then the template's merged over them (§3.2 steps 1-3).
    auto labels = string_map(at(meta, "labels"));
    std::map<std::string, std::string> want_labels = {
        {kName, s.name}, {kGroupName, p.group}, {kRole, p.role}, {kRoleId, p.role_id}};
    if (p.index == 0) want_labels[kEntry] = "true";
    want_labels[kRevision] = labels[kRevision];
    want_labels[kRoleTemplateHash] = labels[kRoleTemplateHash];
    for (const auto& [k, v] : string_map(at(at(*p.tmpl, "metadata"), "labels"))) want_labels[k] = v;
    EXPECT_EQ(labels, want_labels) << "labels";
    EXPECT_FALSE(labels[kRevision].empty()) << "revision label";
    EXPECT_FALSE(labels[kRoleTemplateHash].empty()) << "role-template-hash label";
    revisions.insert(labels[kRevision]);
    role_hashes[p.role].insert(labels[kRoleTemplateHash]);

    // Annotations: the template's, plus Volcano's when a PodGroup is in use (§3.2 step 6).
    auto want_annotations = string_map(at(at(*p.tmpl, "metadata"), "annotations"));
    if (s.scheduler == "volcano") {
      want_annotations[kVolcanoGroup] = p.group;
      want_annotations[kVolcanoTask] = p.role_id;
    }
    EXPECT_EQ(string_map(at(meta, "annotations")), want_annotations) << "annotations";

    EXPECT_EQ(canon(at(meta, "ownerReferences")), canon(owner(ms, true))) << "ownerReferences";

    // The spec is the template's (§3.2 step 4), schedulerName the ModelServing's, env injected (step 5).
    const Json& spec = pod["spec"];
    const Json& want_spec = at(*p.tmpl, "spec");
    EXPECT_EQ(string_or(at(spec, "schedulerName")), s.scheduler) << "schedulerName";
    expect_containers(at(spec, "containers"), at(want_spec, "containers"), p, s, "containers");
    expect_containers(at(spec, "initContainers"), at(want_spec, "initContainers"), p, s, "initContainers");
    Json rest = want_spec;
    rest.erase("containers");
    rest.erase("initContainers");
    rest.erase("schedulerName");
    expect_contains(spec, rest, "spec");
  }
  // One revision for the whole ModelServing, one template hash per role (§3.7); its ControllerRevision exists.
  EXPECT_EQ(revisions.size(), 1u) << fmt::format("{}", revisions);
  for (const auto& [role, hashes] : role_hashes)
    EXPECT_EQ(hashes.size(), 1u) << role << ": " << fmt::format("{}", hashes);
  if (revisions.size() == 1) {
    std::string cr = fmt::format("{}-{}", s.name, *revisions.begin());
    EXPECT_TRUE(eventually([&] { return bool(client_->get(res::controller_revisions(), s.ns, cr)); }, 10s))
        << "ControllerRevision " << cr;
  }

  // ---- Headless Services (§3.3) ----
  std::vector<Json> services = list(res::services(), s.name);
  EXPECT_EQ(names(services), keys(want_services)) << "headless Services";
  for (const Json& svc : services) {
    std::string svc_name = svc["metadata"]["name"];
    auto it = want_services.find(svc_name);
    if (it == want_services.end()) continue;
    const ExpectedService& e = it->second;
    SCOPED_TRACE("service " + svc_name);
    EXPECT_EQ(string_map(at(svc["metadata"], "labels")),
              (std::map<std::string, std::string>{
                  {kName, s.name}, {kGroupName, e.group}, {kRole, e.role}, {kRoleId, e.role_id}}));
    EXPECT_EQ(canon(at(svc["metadata"], "ownerReferences")), canon(owner(ms, true))) << "ownerReferences";
    const Json& spec = svc["spec"];
    EXPECT_EQ(at(spec, "clusterIP"), "None");
    EXPECT_EQ(at(spec, "publishNotReadyAddresses"), true);
    EXPECT_EQ(string_map(at(spec, "selector")),
              (std::map<std::string, std::string>{
                  {kGroupName, e.group}, {kRole, e.role}, {kRoleId, e.role_id}, {kEntry, "true"}}));
    EXPECT_TRUE(at(spec, "ports").is_null() || at(spec, "ports").empty()) << at(spec, "ports").dump();
  }

  // ---- PodGroups (§3.10) ----
  std::vector<Json> pod_groups = list(res::pod_groups(), s.name);
  EXPECT_EQ(names(pod_groups), want_groups) << "PodGroups";
  int64_t min_member = 0;
  std::map<std::string, api::Quantity> min_resources;
  Json sub_groups = Json::array();
  const Json& topology = at(at(*s.spec, "template"), "networkTopology");
  for (const Json& role : *s.roles) {
    int64_t min_r = min_role(s, role);
    int64_t workers = worker_replicas(role);
    min_member += (1 + workers) * min_r;
    add_requests(min_resources, at(role, "entryTemplate"), min_r);
    if (workers > 0) add_requests(min_resources, at(role, "workerTemplate"), min_r * workers);
    Json policy = {{"name", role["name"]},
                   {"labelSelector", {{"matchLabels", {{kName, s.name}, {kRole, role["name"]}}}}},
                   {"matchLabelKeys", Json::array({kRoleId})},
                   {"subGroupSize", 1 + workers},
                   {"minSubGroups", min_r}};
    if (!at(topology, "rolePolicy").is_null()) policy["networkTopology"] = at(topology, "rolePolicy");
    sub_groups.push_back(std::move(policy));
  }
  std::string queue = string_or(at(at(manifest["metadata"], "annotations"), kQueueAnnotation));
  for (const Json& pg : pod_groups) {
    std::string group = pg["metadata"]["name"];
    SCOPED_TRACE("PodGroup " + group);
    EXPECT_EQ(string_map(at(pg["metadata"], "labels")),
              (std::map<std::string, std::string>{{kName, s.name}, {kGroupName, group}}));
    EXPECT_EQ(string_map(at(pg["metadata"], "annotations"))[kVolcanoGroup], group);
    // No blockOwnerDeletion on PodGroups (upstream's buildOwnerReference).
    EXPECT_EQ(canon(at(pg["metadata"], "ownerReferences")), canon(owner(ms, false))) << "ownerReferences";
    const Json& spec = pg["spec"];
    EXPECT_EQ(integer_or(at(spec, "minMember"), -1), min_member) << "minMember";
    // Requests only, initContainers not counted (§3.10). So a GPU given as a limit alone (most GPU examples) is not
    // in minResources, though Kubernetes schedules the pod with a request equal to the limit: upstream's rule.
    EXPECT_EQ(show(quantities(at(spec, "minResources"))), show(min_resources)) << "minResources";
    EXPECT_EQ(string_or(at(spec, "queue")), queue) << "queue";
    EXPECT_EQ(canon(at(spec, "networkTopology")), canon(at(topology, "groupPolicy"))) << "networkTopology";
    // HEAD replaced v0.2.0's minTaskMember by subGroupPolicy (minSubGroups = minR); the embedded API server's
    // PodGroup schema has subGroupPolicy, so it is emitted.
    EXPECT_FALSE(spec.contains("minTaskMember")) << spec["minTaskMember"].dump();
    EXPECT_EQ(canon(at(spec, "subGroupPolicy")), canon(sub_groups)) << "subGroupPolicy";
  }

  ASSERT_TRUE(complete) << "the controller did not make every object in time (see above)";
  // The stand-in kubelet runs every image, so each example becomes available.
  EXPECT_TRUE(wait_ready(s.name)) << get(s.name)["status"].dump();
}

TEST_P(ModelServingExample, ProducesWhatTheSpecSays) {
  fs::path file = examples_dir() / GetParam();
  auto docs = api::decode_documents(testing::read_file(file), GetParam());
  ASSERT_TRUE(docs) << docs.error().to_string();
  int servings = 0;
  for (const api::Document& doc : *docs) {
    if (!doc.value.is_object()) continue;
    std::string kind = doc.value.value("kind", "");
    // Every example is one ModelServing today; another kind upstream adds would need its own expectations.
    ASSERT_EQ(kind, "ModelServing") << GetParam() << " line " << doc.line;
    SCOPED_TRACE(fmt::format("{} line {}", GetParam(), doc.line));
    ASSERT_NO_FATAL_FAILURE(check(doc.value));
    ++servings;
  }
  EXPECT_GE(servings, 1) << GetParam() << " has no ModelServing";
}

INSTANTIATE_TEST_SUITE_P(Upstream, ModelServingExample, ::testing::ValuesIn(example_files()), case_name);
// Without the conformance data there are no cases; ExamplesPresent says why.
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(ModelServingExample);

TEST(ModelServingExamples, ExamplesPresent) {
  KTHENA_REQUIRE_CONFORMANCE(examples_dir());
  // spec §5.5 lists 13; fewer means the data is incomplete.
  EXPECT_GE(example_files().size(), 13u);
}

}  // namespace
}  // namespace kthena
