// The real kubectl 1.32 against `kthena apiserver`: apiextensions.k8s.io CustomResourceDefinitions (the CRDs of the
// server's own kinds, upstream Kthena's CRD manifests applied back), and the OpenAPI-driven commands users run on
// built-in kinds (explain, apply --prune).
#include <fstream>

#include <gtest/gtest.h>

#include "e2e/kubectl_fixture.h"
#include "unit/api/conformance_dir.h"

namespace kthena::testing {
namespace {

const std::string kModelServings = "modelservings.workload.serving.volcano.sh";

class KubectlCrdTest : public KubectlFixture {
 protected:
  static bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }
};

TEST_F(KubectlCrdTest, TheCrdsOfTheServedKindsAreListedDescribedAndEstablished) {
  auto resources = ok("api-resources --api-group=apiextensions.k8s.io");
  EXPECT_TRUE(has(resources,
                  "customresourcedefinitions   crd,crds     apiextensions.k8s.io/v1   false        "
                  "CustomResourceDefinition"))
      << resources;
  auto table = ok("get crd");
  EXPECT_TRUE(table.starts_with("NAME ")) << table;
  EXPECT_TRUE(has(table, "CREATED AT")) << table;
  EXPECT_TRUE(has(table, kModelServings + "   ")) << table;
  EXPECT_TRUE(has(table, "modelroutes.networking.serving.volcano.sh")) << table;
  EXPECT_FALSE(has(table, "pods")) << "built-in kinds have no CRD:\n" << table;

  auto yaml = ok("get crd " + kModelServings + " -o yaml");
  EXPECT_TRUE(has(yaml, "kind: CustomResourceDefinition")) << yaml;
  EXPECT_TRUE(has(yaml, "openAPIV3Schema:")) << yaml;
  EXPECT_TRUE(has(yaml,
                  "    message: the initial names have been accepted\n"
                  "    reason: InitialNamesAccepted\n"
                  "    status: \"True\"\n"
                  "    type: Established\n"))
      << yaml;
  EXPECT_TRUE(has(yaml, "    reason: NoConflicts\n    status: \"True\"\n    type: NamesAccepted\n")) << yaml;
  EXPECT_TRUE(has(yaml, "  storedVersions:\n  - v1alpha1\n")) << yaml;

  auto described = ok("describe crd " + kModelServings);
  EXPECT_TRUE(has(described, "Name:         " + kModelServings)) << described;
  EXPECT_TRUE(has(described, "Established")) << described;

  auto waited = ok("wait --for=condition=Established crd/" + kModelServings + " --timeout=10s");
  EXPECT_TRUE(has(waited, "customresourcedefinition.apiextensions.k8s.io/" + kModelServings + " condition met"))
      << waited;
  auto explain = ok("explain crd.spec.names");
  EXPECT_TRUE(has(explain, "plural")) << explain;
}

TEST_F(KubectlCrdTest, UpstreamCrdManifestsApplyClientSideAndServerSide) {
  auto root = conformance_dir() / "kthena" / "HEAD" / "charts" / "kthena" / "charts";
  KTHENA_REQUIRE_CONFORMANCE(root);
  auto files = files_under(root, {".yaml"});
  std::erase_if(files, [](const auto& f) { return f.parent_path().filename() != "crds"; });
  ASSERT_GE(files.size(), 6u);
  for (const auto& file : files) {
    // controller-gen names the file "<group>_<plural>.yaml"; the CRD is "<plural>.<group>".
    const std::string stem = file.stem().string();
    const std::string name = stem.substr(stem.find('_') + 1) + "." + stem.substr(0, stem.find('_'));
    if (name == kModelServings) {
      // 614 KB of JSON: kubectl's last-applied annotation would exceed 256 KiB, as against kube-apiserver.
      auto refused = kubectl("apply -f " + file.string());
      EXPECT_EQ(refused.exit_code, 1) << refused.out;
      EXPECT_TRUE(has(refused.out, "metadata.annotations: Too long: may not be more than 262144 bytes")) << refused.out;
    } else {
      auto applied = ok("apply -f " + file.string());
      EXPECT_TRUE(has(applied, "customresourcedefinition.apiextensions.k8s.io/" + name + " configured")) << applied;
      // What was applied is what is stored: applying it again changes nothing.
      auto again = ok("apply -f " + file.string());
      EXPECT_TRUE(has(again, name + " unchanged")) << again;
    }
    auto server_side = ok("apply --server-side -f " + file.string());
    EXPECT_TRUE(has(server_side, name + " serverside-applied")) << server_side;
    ok("wait --for=condition=Established crd/" + name + " --timeout=10s");
  }
  // The kinds are served as before.
  ok("get modelservings");
}

TEST_F(KubectlCrdTest, ACrdOfAnotherKindIsRefusedAndNoCrdCanBeDeleted) {
  auto crd = write("foo.yaml", R"(apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: foos.example.com}
spec:
  group: example.com
  names: {kind: Foo, listKind: FooList, plural: foos, singular: foo}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
)");
  auto refused = kubectl("apply -f " + crd);
  EXPECT_EQ(refused.exit_code, 1) << refused.out;
  EXPECT_TRUE(has(refused.out, "Error from server (Forbidden)")) << refused.out;
  EXPECT_TRUE(has(refused.out,
                  "\"foos.example.com\" is forbidden: the embedded API server serves only its built-in "
                  "kinds"))
      << refused.out;
  refused = kubectl("apply --server-side -f " + crd);
  EXPECT_EQ(refused.exit_code, 1) << refused.out;
  EXPECT_TRUE(has(refused.out, "foos.example.com")) << refused.out;

  std::string json = ok("get crd " + kModelServings + " -o json");
  auto scope = json.find("\"scope\": \"Namespaced\"");
  ASSERT_NE(scope, std::string::npos) << json;
  json.replace(scope, std::string("\"scope\": \"Namespaced\"").size(), "\"scope\": \"Cluster\"");
  auto scoped = kubectl("replace -f " + write("scoped.json", json));
  EXPECT_NE(scoped.exit_code, 0) << scoped.out;
  EXPECT_TRUE(has(scoped.out, "spec.scope: Invalid value: \"Cluster\"")) << scoped.out;

  auto deleted = kubectl("delete crd " + kModelServings);
  EXPECT_EQ(deleted.exit_code, 1) << deleted.out;
  EXPECT_TRUE(has(deleted.out, "deletes every object of its kind")) << deleted.out;
  ok("get crd " + kModelServings);
}

TEST_F(KubectlCrdTest, TheCrdsSurviveARestartEstablished) {
  ok("annotate crd " + kModelServings + " owner=me");
  server_->kill(SIGTERM);
  server_ = std::make_unique<ApiServerProcess>(dir_.path() / "data");
  ASSERT_TRUE(server_->start());
  auto yaml = ok("get crd " + kModelServings + " -o yaml");
  EXPECT_TRUE(has(yaml, "owner: me")) << yaml;
  EXPECT_TRUE(has(yaml, "type: Established")) << yaml;
}

TEST_F(KubectlCrdTest, ExplainBuiltinKinds) {
  auto pods = ok("explain pods");
  EXPECT_TRUE(has(pods, "KIND:       Pod")) << pods;
  EXPECT_TRUE(has(pods, "FIELDS:")) << pods;
  auto deployment = ok("explain deployment.spec");
  EXPECT_TRUE(has(deployment, "FIELD: spec <DeploymentSpec>")) << deployment;
  EXPECT_TRUE(has(deployment, "replicas")) << deployment;
  auto recursive = ok("explain deployment.spec.template.spec.containers.ports");
  EXPECT_TRUE(has(recursive, "containerPort")) << recursive;
}

TEST_F(KubectlCrdTest, ApplyPruneDeletesWhatLeftTheDirectory) {
  auto dir = dir_.path() / "manifests";
  std::filesystem::create_directories(dir);
  auto configmap = [](const std::string& name) {
    return "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: " + name + ", labels: {app: x}}\ndata: {a: \"1\"}\n";
  };
  std::ofstream(dir / "a.yaml") << configmap("a");
  std::ofstream(dir / "b.yaml") << configmap("b");
  ok("apply -f " + dir.string() + " --prune -l app=x --prune-allowlist=core/v1/ConfigMap");
  std::filesystem::remove(dir / "b.yaml");
  auto pruned = ok("apply -f " + dir.string() + " --prune -l app=x --prune-allowlist=core/v1/ConfigMap");
  EXPECT_TRUE(has(pruned, "configmap/a unchanged")) << pruned;
  EXPECT_TRUE(has(pruned, "configmap/b pruned")) << pruned;
  EXPECT_NE(kubectl("get configmap b").exit_code, 0);
  // Without an allowlist kubectl 1.32 maps its default set of kinds first and stops at one the server does not
  // serve, having applied but pruned nothing (docs/apiserver.md).
  auto defaults = kubectl("apply -f " + dir.string() + " --prune -l app=x");
  EXPECT_EQ(defaults.exit_code, 1) << defaults.out;
  EXPECT_TRUE(has(defaults.out, "error retrieving RESTMappings to prune: invalid resource /v1, Kind=Endpoints"))
      << defaults.out;
}

}  // namespace
}  // namespace kthena::testing
