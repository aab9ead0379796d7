// Server-side apply's field ownership with the real kubectl 1.32 against `kthena apiserver`: managedFields as
// kube-apiserver records them, conflicts between field managers, --force-conflicts, and fields dropped from the
// applied configuration removed when nobody else owns them.
#include "api/json.h"
#include "e2e/kubectl_fixture.h"

namespace kthena::testing {
namespace {

class KubectlApplyTest : public KubectlFixture {
 protected:
  // Applies `yaml` server-side with `extra` flags.
  CommandResult apply(const std::string& yaml, const std::string& extra = "") {
    return kubectl("apply --server-side " + extra + " -f " + write("applied.yaml", yaml));
  }
  Json get(const std::string& what) {
    auto r = kubectl("get " + what + " -o json --show-managed-fields");
    EXPECT_EQ(r.exit_code, 0) << r.out;
    return Json::parse(r.out, nullptr, false);
  }
  // The entry of `manager` with `operation`, or null.
  static Json entry(const Json& object, const std::string& manager, const std::string& operation) {
    for (const Json& e : object["metadata"].value("managedFields", Json::array())) {
      if (e.value("manager", "") == manager && e.value("operation", "") == operation) return e;
    }
    return Json();
  }
};

const char* kConfig = R"(apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  labels: {team: a}
data:
  a: "1"
  b: "2"
)";

TEST_F(KubectlApplyTest, ApplyOwnsItsFieldsAndRemovesWhatItNoLongerApplies) {
  ASSERT_EQ(apply(kConfig).exit_code, 0);
  Json cm = get("configmap settings");
  Json mine = entry(cm, "kubectl", "Apply");
  ASSERT_FALSE(mine.is_null()) << cm.dump(2);
  EXPECT_EQ(mine["fieldsType"], "FieldsV1");
  EXPECT_EQ(mine["apiVersion"], "v1");
  EXPECT_TRUE(mine["fieldsV1"]["f:data"].contains("f:a") && mine["fieldsV1"]["f:data"].contains("f:b"));
  EXPECT_TRUE(mine["fieldsV1"]["f:metadata"]["f:labels"].contains("f:team"));

  // b and the label dropped from the configuration: removed, as nobody else owns them.
  ASSERT_EQ(apply("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {a: \"1\"}\n").exit_code, 0);
  cm = get("configmap settings");
  EXPECT_EQ(cm["data"], (Json{{"a", "1"}}));
  EXPECT_FALSE(cm["metadata"].value("labels", Json::object()).contains("team"));

  // An unchanged apply is no write.
  std::string rv = cm["metadata"]["resourceVersion"];
  ASSERT_EQ(apply("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {a: \"1\"}\n").exit_code, 0);
  EXPECT_EQ(get("configmap settings")["metadata"]["resourceVersion"], rv);
}

TEST_F(KubectlApplyTest, ChangingAnotherManagersFieldConflictsUnlessForced) {
  ASSERT_EQ(apply(kConfig).exit_code, 0);
  ok("patch configmap settings --type=merge -p '{\"data\":{\"a\":\"changed\"}}'");
  Json cm = get("configmap settings");
  Json patcher = entry(cm, "kubectl-patch", "Update");
  ASSERT_FALSE(patcher.is_null()) << cm.dump(2);
  EXPECT_TRUE(patcher["fieldsV1"]["f:data"].contains("f:a"));
  // The patch took data.a from the applier.
  EXPECT_FALSE(entry(cm, "kubectl", "Apply")["fieldsV1"]["f:data"].contains("f:a"));

  auto conflict = apply(kConfig);
  EXPECT_NE(conflict.exit_code, 0);
  EXPECT_NE(conflict.out.find("Apply failed with 1 conflict: conflict with \"kubectl-patch\" using v1: .data.a"),
            std::string::npos)
      << conflict.out;
  EXPECT_EQ(get("configmap settings")["data"]["a"], "changed");

  // Applying the value the other manager set is no conflict: the field is shared.
  ASSERT_EQ(apply("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings, labels: {team: a}}\n"
                  "data: {a: changed, b: \"2\"}\n")
                .exit_code,
            0);

  auto forced = apply(kConfig, "--force-conflicts");
  EXPECT_EQ(forced.exit_code, 0) << forced.out;
  cm = get("configmap settings");
  EXPECT_EQ(cm["data"]["a"], "1");
  Json after = entry(cm, "kubectl-patch", "Update");
  EXPECT_TRUE(after.is_null() || !after["fieldsV1"].value("f:data", Json::object()).contains("f:a")) << cm.dump(2);
}

TEST_F(KubectlApplyTest, TwoAppliersKeepEachOthersFields) {
  ASSERT_EQ(apply(kConfig).exit_code, 0);
  ASSERT_EQ(
      apply("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {c: \"3\"}\n", "--field-manager=team-b")
          .exit_code,
      0);
  // The first applier drops b; c is team-b's and stays.
  ASSERT_EQ(apply("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings, labels: {team: a}}\ndata: {a: \"1\"}\n")
                .exit_code,
            0);
  Json cm = get("configmap settings");
  EXPECT_EQ(cm["data"], (Json{{"a", "1"}, {"c", "3"}})) << cm.dump(2);
  EXPECT_FALSE(entry(cm, "team-b", "Apply").is_null());
}

TEST_F(KubectlApplyTest, ListElementsByKeyAreOwnedOneByOne) {
  const char* two = R"(apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers:
  - {name: main, image: "nginx:1.27"}
  - {name: sidecar, image: "busybox:1.36"}
)";
  ASSERT_EQ(apply(two).exit_code, 0);
  Json pod = get("pod p");
  Json fields = entry(pod, "kubectl", "Apply")["fieldsV1"];
  EXPECT_TRUE(fields["f:spec"]["f:containers"].contains("k:{\"name\":\"main\"}")) << fields.dump(2);
  // The sidecar leaves the configuration: it leaves the pod (its image cannot change, but containers may not be
  // removed either: the pod's update rules refuse it, which is what the user must see).
  auto dropped = apply(
      "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
      "  - {name: main, image: \"nginx:1.27\"}\n");
  Json now = get("pod p");
  if (dropped.exit_code == 0) {
    EXPECT_EQ(now["spec"]["containers"].size(), 1u) << now.dump(2);
  } else {
    EXPECT_NE(dropped.out.find("Forbidden"), std::string::npos) << dropped.out;
  }
  // A status write by another manager is its own entry, with subresource status.
  Json status = now;
  status["status"]["phase"] = "Running";
  ok("replace --subresource=status -f " + write("status.json", status.dump()));
  Json written = get("pod p");
  bool status_entry = false;
  for (const Json& e : written["metadata"]["managedFields"]) {
    status_entry |= e.value("subresource", "") == "status" && e["fieldsV1"].contains("f:status");
  }
  EXPECT_TRUE(status_entry) << written["metadata"]["managedFields"].dump(2);
}

// kubectl's ApplySet pruning (KUBECTL_APPLYSET=true, --applyset): the parent Secret records what was applied, and
// what left the manifests is deleted; unlike --prune's default list, it needs no kind the server does not serve.
TEST_F(KubectlApplyTest, ApplySetPrunesWhatLeftTheManifests) {
  const std::string two =
      "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: one}\ndata: {k: v}\n---\n"
      "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: two}\ndata: {k: v}\n";
  auto first = server_->kubectl("apply -n default --prune --applyset=myset -f " + write("set.yaml", two),
                                "KUBECTL_APPLYSET=true");
  ASSERT_EQ(first.exit_code, 0) << first.out;
  auto second = server_->kubectl(
      "apply -n default --prune --applyset=myset -f " + write("set.yaml",
                                                              "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: one}\n"
                                                              "data: {k: v}\n"),
      "KUBECTL_APPLYSET=true");
  ASSERT_EQ(second.exit_code, 0) << second.out;
  EXPECT_NE(second.out.find("configmap/two pruned"), std::string::npos) << second.out;
  EXPECT_EQ(kubectl("get configmap two").exit_code, 1);
  EXPECT_EQ(kubectl("get configmap one").exit_code, 0);
}

}  // namespace
}  // namespace kthena::testing
