// The real kubectl 1.32 against `kthena apiserver` (kubectl-protocol.md): every command of the acceptance list.
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "api/codec/yaml_decoder.h"
#include "api/codec/yaml_encoder.h"
#include "api/registry/kind_registry.h"
#include "e2e/kubectl_fixture.h"
#include "unit/api/conformance_dir.h"
#include "unit/apiserver/storage/temp_dir.h"

namespace kthena::testing {
namespace {

using namespace std::chrono_literals;

using KubectlTest = KubectlFixture;

const char* kModelServing = R"(apiVersion: workload.serving.volcano.sh/v1alpha1
kind: ModelServing
metadata:
  name: demo
  labels: {app: demo}
spec:
  replicas: 1
  template:
    roles:
    - name: decode
      replicas: 1
      workerReplicas: 0
      entryTemplate:
        spec:
          containers: [{name: engine, image: vllm/vllm-openai:latest}]
)";

// Upstream manifests that a real API server rejects as well, with the reason it gives.
const std::map<std::string, std::string> kRejectedUpstream = {
    {"v0.2.0/examples/model-serving/gpu-pd-disaggregation.yaml",
     "metadata.name: Invalid value: \"PD-sample\": a lowercase RFC 1123 subdomain"},
};

TEST_F(KubectlTest, ApplyEveryConformanceManifestOfOurKinds) {
  auto root = conformance_dir() / "kthena";
  KTHENA_REQUIRE_CONFORMANCE(root);
  std::vector<std::filesystem::path> files;
  for (const auto& dir : {root / "HEAD" / "examples", root / "v0.2.0" / "examples", root / "HEAD" / "test" / "e2e"}) {
    for (auto& f : files_under(dir, {".yaml", ".yml"})) files.push_back(f);
  }
  ASSERT_GT(files.size(), 20u);
  const auto& registry = api::KindRegistry::builtin();
  std::set<std::string> namespaces{"default", "kthena-system"};
  size_t applied = 0, skipped = 0;
  for (const auto& file : files) {
    std::string relative = file.lexically_relative(root).string();
    auto docs = api::decode_documents(read_file(file), file.string());
    ASSERT_TRUE(docs) << docs.error().to_string();
    std::vector<Json> ours;
    for (const auto& doc : *docs) {
      if (!doc.value.is_object()) continue;
      std::string api_version = doc.value.value("apiVersion", "");
      std::string kind = doc.value.value("kind", "");
      if (registry.find_by_api_version(api_version, kind) == nullptr) {
        std::cout << "skip " << relative << ": " << kind << " (" << api_version
                  << ") is not served by the embedded API server\n";
        ++skipped;
        continue;
      }
      std::string ns = doc.value["metadata"].value("namespace", "default");
      if (namespaces.insert(ns).second) ok("create namespace " + ns);
      ours.push_back(doc.value);
    }
    if (ours.empty()) continue;
    auto manifest = write("manifest.yaml", api::encode_yaml_documents(ours));
    auto r = kubectl("apply -f " + manifest);
    if (auto rejected = kRejectedUpstream.find(relative); rejected != kRejectedUpstream.end()) {
      EXPECT_EQ(r.exit_code, 1) << relative << ":\n" << r.out;
      EXPECT_NE(r.out.find(rejected->second), std::string::npos) << relative << ":\n" << r.out;
      continue;
    }
    EXPECT_EQ(r.exit_code, 0) << relative << ":\n" << r.out;
    std::regex line(R"(\S+ (created|configured|unchanged)\n)");
    EXPECT_EQ(std::distance(std::sregex_iterator(r.out.begin(), r.out.end(), line), std::sregex_iterator()),
              static_cast<long>(ours.size()))
        << relative << ":\n"
        << r.out;
    applied += ours.size();
    // Examples reuse names with other specs; each file starts from a clean slate, as on a fresh cluster.
    auto deleted = kubectl("delete -f " + manifest + " --wait=true --timeout=30s");
    EXPECT_EQ(deleted.exit_code, 0) << relative << ":\n" << deleted.out;
  }
  std::cout << "applied " << applied << " objects, skipped " << skipped << " of kinds we do not serve\n";
  EXPECT_GT(applied, 50u);
}

TEST_F(KubectlTest, GetShowsDefaultsAndTablesDescribeAndExplain) {
  auto file = write("ms.yaml", kModelServing);
  EXPECT_NE(ok("apply -f " + file).find("modelserving.workload.serving.volcano.sh/demo created"), std::string::npos);
  auto yaml = ok("get modelserving demo -o yaml");
  EXPECT_NE(yaml.find("recoveryPolicy: RoleRecreate"), std::string::npos) << "schema default filled:\n" << yaml;
  EXPECT_NE(yaml.find("schedulerName: volcano"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("kubectl.kubernetes.io/last-applied-configuration"), std::string::npos) << yaml;
  auto table = ok("get modelservings");
  EXPECT_NE(table.find("NAME   REPLICAS   AVAILABLE   UPDATED   AGE"), std::string::npos) << table;
  auto wide = ok("get modelservings -A --show-labels");
  EXPECT_NE(wide.find("default"), std::string::npos) << wide;
  EXPECT_NE(wide.find("app=demo"), std::string::npos) << wide;
  auto describe = ok("describe modelserving demo");
  EXPECT_NE(describe.find("Name:         demo"), std::string::npos) << describe;
  EXPECT_NE(describe.find("Events:"), std::string::npos) << describe;
  auto explain = ok("explain modelserving.spec");
  EXPECT_NE(explain.find("FIELDS:"), std::string::npos) << explain;
  EXPECT_NE(explain.find("template"), std::string::npos) << explain;
  // Re-applying sends a patch (schema defaults inside lists make JSON merge patch resend them, as against a real
  // cluster) that changes nothing: the resourceVersion stays.
  std::string rv = ok("get modelserving demo -o jsonpath='{.metadata.resourceVersion}'");
  ok("apply -f " + file);
  EXPECT_EQ(ok("get modelserving demo -o jsonpath='{.metadata.resourceVersion}'"), rv);
  auto cm = write("cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: b}\n");
  EXPECT_NE(ok("apply -f " + cm).find("configmap/c created"), std::string::npos);
  EXPECT_NE(ok("apply -f " + cm).find("configmap/c unchanged"), std::string::npos);
  auto ns = ok("get ns");
  EXPECT_NE(ns.find("kthena-system   Active"), std::string::npos) << ns;
}

TEST_F(KubectlTest, PatchEditScaleLabelAnnotateAndSelectors) {
  ok("apply -f " + write("ms.yaml", kModelServing));
  ok("patch modelserving demo --type=merge -p '{\"spec\":{\"replicas\":2}}'");
  EXPECT_EQ(ok("get modelserving demo -o jsonpath='{.spec.replicas}'"), "2");
  ok("patch modelserving demo --type=json -p '[{\"op\":\"replace\",\"path\":\"/spec/replicas\",\"value\":3}]'");
  EXPECT_EQ(ok("get modelserving demo -o jsonpath='{.spec.replicas}'"), "3");
  auto editor = write("editor.sh", "#!/bin/sh\nsed -i 's/replicas: 3/replicas: 4/' \"$1\"\n");
  run_command("chmod +x " + editor);
  auto edit = run_command("KUBE_EDITOR=" + editor + " kubectl --kubeconfig " + server_->kubeconfig() + " --cache-dir " +
                          (dir_.path() / "kubectl-cache").string() + " edit modelserving demo");
  EXPECT_EQ(edit.exit_code, 0) << edit.out;
  EXPECT_NE(edit.out.find("edited"), std::string::npos) << edit.out;
  EXPECT_EQ(ok("get modelserving demo -o jsonpath='{.spec.replicas}'"), "4");
  EXPECT_NE(ok("scale modelserving demo --replicas=5").find("scaled"), std::string::npos);
  EXPECT_NE(ok("scale modelserving demo --current-replicas=5 --replicas=6").find("scaled"), std::string::npos);
  auto mismatch = kubectl("scale modelserving demo --current-replicas=1 --replicas=2");
  EXPECT_EQ(mismatch.exit_code, 1) << mismatch.out;
  EXPECT_EQ(ok("get modelserving demo -o jsonpath='{.metadata.generation}'"), "6");
  EXPECT_NE(ok("label modelserving demo tier=gold").find("labeled"), std::string::npos);
  EXPECT_NE(ok("annotate modelserving demo note=hi").find("annotated"), std::string::npos);
  EXPECT_EQ(ok("get modelserving demo -o jsonpath='{.metadata.annotations.note}'"), "hi");
  EXPECT_EQ(ok("get modelservings -l tier=gold -o name"), "modelserving.workload.serving.volcano.sh/demo\n");
  EXPECT_NE(kubectl("get modelservings -l tier=silver").out.find("No resources found"), std::string::npos);
  EXPECT_EQ(ok("get modelservings --field-selector metadata.name=demo -o name"),
            "modelserving.workload.serving.volcano.sh/demo\n");
  auto smp = kubectl("patch modelserving demo -p '{\"spec\":{\"replicas\":1}}'");
  EXPECT_EQ(smp.exit_code, 1);
  EXPECT_NE(smp.out.find("application/strategic-merge-patch+json is not supported"), std::string::npos) << smp.out;
  auto negative = kubectl("patch modelserving demo --type=merge -p '{\"spec\":{\"replicas\":-1}}'");
  EXPECT_EQ(negative.exit_code, 1);
  EXPECT_NE(negative.out.find("should be a non-negative integer"), std::string::npos) << negative.out;
  auto noop = ok("patch modelserving demo --subresource=status --type=merge -p '{}'");
  EXPECT_NE(noop.find("patched (no change)"), std::string::npos) << noop;

  // Built-in kinds take strategic merge patches with merge keys.
  ok("apply -f " + write("pod.yaml", R"(apiVersion: v1
kind: Pod
metadata: {name: p, labels: {x: "1"}}
spec:
  containers:
  - {name: a, image: "img:1"}
  - {name: b, image: "img:1"}
)"));
  ok("patch pod p -p '{\"spec\":{\"containers\":[{\"name\":\"b\",\"image\":\"img:2\"}]}}'");
  EXPECT_EQ(ok("get pod p -o jsonpath='{.spec.containers[*].image}'"), "img:1 img:2");
  // A field dropped from the applied manifest is removed (the label); a pod's images may change, its other fields
  // not (kube's pod update rules).
  ok("apply -f " + write("pod.yaml", R"(apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers:
  - {name: a, image: "img:3"}
  - {name: b, image: "img:1"}
)"));
  EXPECT_EQ(ok("get pod p -o jsonpath='{.spec.containers[0].image} {.metadata.labels.x}'"), "img:3 ");
}

TEST_F(KubectlTest, DeleteCascadesToOwnedObjects) {
  ok("apply -f " + write("ms.yaml", kModelServing));
  std::string uid = ok("get modelserving demo -o jsonpath='{.metadata.uid}'");
  auto owned = [&](const std::string& name) {
    return std::string(R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":")") + name +
           R"(","ownerReferences":[{"apiVersion":"workload.serving.volcano.sh/v1alpha1","kind":"ModelServing","name":"demo","uid":")" +
           uid + R"(","controller":true,"blockOwnerDeletion":true}]}})";
  };
  ok("create -f " + write("cm1.json", owned("owned-1")));
  ok("create -f " + write("cm2.json", owned("owned-2")));
  ok("create configmap unrelated --from-literal=a=b");
  EXPECT_NE(ok("delete modelserving demo").find("deleted"), std::string::npos);
  bool gone = false;
  for (int i = 0; i < 50 && !gone; ++i) {
    gone = kubectl("get configmaps owned-1 owned-2 -o name").out.find("not found") != std::string::npos &&
           kubectl("get configmaps -o name").out.find("owned") == std::string::npos;
    if (!gone) std::this_thread::sleep_for(100ms);
  }
  EXPECT_TRUE(gone) << ok("get configmaps");
  EXPECT_EQ(ok("get configmap unrelated -o name"), "configmap/unrelated\n");

  ok("apply -f " + write("ms.yaml", kModelServing));
  uid = ok("get modelserving demo -o jsonpath='{.metadata.uid}'");
  ok("create -f " + write("cm3.json", owned("orphan")));
  ok("delete modelserving demo --cascade=orphan");
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(ok("get configmap orphan -o jsonpath='{.metadata.ownerReferences}'"), "");

  ok("apply -f " + write("ms.yaml", kModelServing));
  uid = ok("get modelserving demo -o jsonpath='{.metadata.uid}'");
  ok("create -f " + write("cm4.json", owned("foreground")));
  EXPECT_NE(ok("delete modelserving demo --cascade=foreground --timeout=20s").find("deleted"), std::string::npos);
  EXPECT_EQ(kubectl("get configmap foreground").exit_code, 1);
}

TEST_F(KubectlTest, GetWatchSeesEventsInOrder) {
  auto out = dir_.path() / "watch.txt";
  std::string watch = "timeout 8 kubectl --kubeconfig " + server_->kubeconfig() + " --cache-dir " +
                      (dir_.path() / "watch-cache").string() + " get configmaps -w --output-watch-events > " +
                      out.string() + " 2>&1 &";
  run_command(watch);
  std::this_thread::sleep_for(1500ms);
  ok("create configmap w1 --from-literal=a=1");
  ok("patch configmap w1 --type=merge -p '{\"data\":{\"a\":\"2\",\"b\":\"3\"}}'");
  ok("delete configmap w1");
  std::this_thread::sleep_for(1500ms);
  std::string text = run_command("cat " + out.string()).out;
  auto added = text.find("ADDED      w1");
  auto modified = text.find("MODIFIED   w1");
  auto deleted = text.find("DELETED    w1");
  ASSERT_NE(added, std::string::npos) << text;
  ASSERT_NE(modified, std::string::npos) << text;
  ASSERT_NE(deleted, std::string::npos) << text;
  EXPECT_LT(added, modified);
  EXPECT_LT(modified, deleted);
}

TEST_F(KubectlTest, WaitReturnsWhenAConditionIsWritten) {
  ok("apply -f " + write("mb.yaml", R"(apiVersion: workload.serving.volcano.sh/v1alpha1
kind: ModelBooster
metadata: {name: mb1}
spec:
  backend:
    name: b
    type: vLLM
    modelURI: hf://Qwen/Qwen2.5-0.5B-Instruct
    cacheURI: hostpath:///tmp/kthena-cache
    replicas: 1
    workers: [{type: server, image: vllm/vllm-openai:latest, replicas: 1}]
)"));
  auto out = dir_.path() / "wait.txt";
  run_command("(kubectl --kubeconfig " + server_->kubeconfig() + " --cache-dir " +
              (dir_.path() / "wait-cache").string() + " wait --for=condition=Active modelbooster/mb1 --timeout=30s > " +
              out.string() + " 2>&1; echo exit=$? >> " + out.string() + ") >/dev/null 2>&1 &");
  std::this_thread::sleep_for(1500ms);
  EXPECT_EQ(run_command("cat " + out.string()).out, "") << "returned before the condition was written";
  ok("patch modelbooster mb1 --subresource=status --type=merge -p "
     "'{\"status\":{\"conditions\":[{\"type\":\"Active\",\"status\":\"True\",\"reason\":\"Ready\",\"message\":\"ok\","
     "\"lastTransitionTime\":\"2026-01-01T00:00:00Z\"}]}}'");
  std::string text;
  for (int i = 0; i < 50 && text.find("exit=") == std::string::npos; ++i) {
    std::this_thread::sleep_for(100ms);
    text = run_command("cat " + out.string()).out;
  }
  EXPECT_NE(text.find("modelbooster.workload.serving.volcano.sh/mb1 condition met"), std::string::npos) << text;
  EXPECT_NE(text.find("exit=0"), std::string::npos) << text;
  auto deleted_wait = kubectl("wait --for=delete modelbooster/missing --timeout=2s");
  EXPECT_EQ(deleted_wait.exit_code, 0) << deleted_wait.out;
}

TEST_F(KubectlTest, ConflictsAndErrorsAsKubectlPrintsThem) {
  ok("apply -f " + write("ms.yaml", kModelServing));
  std::string live = ok("get modelserving demo -o json");
  auto stale = std::regex_replace(live, std::regex("\"resourceVersion\": \"[0-9]+\""), "\"resourceVersion\": \"1\"");
  auto replaced = kubectl("replace -f " + write("stale.json", stale));
  EXPECT_EQ(replaced.exit_code, 1);
  EXPECT_NE(replaced.out.find("Error from server (Conflict)"), std::string::npos) << replaced.out;
  EXPECT_NE(replaced.out.find("the object has been modified"), std::string::npos) << replaced.out;
  auto invalid = kubectl("apply -f " + write("bad.yaml", R"(apiVersion: workload.serving.volcano.sh/v1alpha1
kind: ModelServing
metadata: {name: bad}
spec:
  replicas: -1
  recoveryPolicy: Sometimes
  template: {roles: [{name: r, replicas: 1, workerReplicas: 0, entryTemplate: {spec: {containers: [{name: c, image: i}]}}}]}
)"));
  EXPECT_EQ(invalid.exit_code, 1);
  EXPECT_NE(invalid.out.find("The ModelServing \"bad\" is invalid"), std::string::npos) << invalid.out;
  EXPECT_NE(invalid.out.find("spec.recoveryPolicy: Unsupported value: \"Sometimes\""), std::string::npos)
      << invalid.out;
  auto unknown = kubectl("apply -f " + write("unknown.yaml", std::string(kModelServing) + "  bogus: 1\n"));
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.out.find("unknown field \"spec.bogus\""), std::string::npos) << unknown.out;
  auto missing = kubectl("get modelserving nope");
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(
      missing.out.find("Error from server (NotFound): modelservings.workload.serving.volcano.sh \"nope\" not found"),
      std::string::npos)
      << missing.out;
  EXPECT_NE(ok("apply --server-side -f " + write("ssa.yaml", kModelServing)).find("serverside-applied"),
            std::string::npos);
  EXPECT_NE(ok("apply -f " + write("ms.yaml", kModelServing) + " --dry-run=server").find("(server dry run)"),
            std::string::npos);
}

}  // namespace
}  // namespace kthena::testing
