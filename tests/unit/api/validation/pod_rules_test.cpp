// Pods as kube-apiserver's registry treats them: the spec's defaults on every write, and an update that changes the
// spec only where Kubernetes allows it.
#include "api/validation/pod_rules.h"

#include <gtest/gtest.h>

#include "api/admission.h"
#include "unit/api/validation/webhook_case.h"

namespace kthena::api::testing {
namespace {

Json pod() {
  return Json::parse(R"({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "default"},
    "spec": {"containers": [{"name": "a", "image": "nginx:1.27", "ports": [{"containerPort": 80}]},
                            {"name": "b", "image": "busybox"}],
             "initContainers": [{"name": "i", "image": "reg.example:5000/init@sha256:abc"}],
             "tolerations": [{"key": "k", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 60}]}})");
}

Json admitted(Json object, const Json* old = nullptr) {
  auto out = admit(KindRegistry::builtin(), std::move(object), old);
  EXPECT_TRUE(out) << out.error().to_string();
  EXPECT_EQ(render(out->errors), "");
  return out->object;
}

// As render() prints a single error.
std::string one(const std::string& error) {
  return "  - " + error + "\n";
}

std::string errors_of(Json object, const Json& old) {
  auto out = admit(KindRegistry::builtin(), std::move(object), &old);
  EXPECT_TRUE(out) << out.error().to_string();
  return render(out->errors);
}

TEST(PodRules, ACreatedPodGetsKubeApiserversDefaults) {
  Json spec = admitted(pod())["spec"];
  EXPECT_EQ(spec["schedulerName"], "default-scheduler");
  EXPECT_EQ(spec["restartPolicy"], "Always");
  EXPECT_EQ(spec["dnsPolicy"], "ClusterFirst");
  EXPECT_EQ(spec["terminationGracePeriodSeconds"], 30);
  EXPECT_EQ(spec["securityContext"], Json::object());
  EXPECT_EQ(spec["enableServiceLinks"], true);
  EXPECT_EQ(spec["preemptionPolicy"], "PreemptLowerPriority");
  EXPECT_EQ(spec["priority"], 0);
  EXPECT_EQ(spec["serviceAccountName"], "default");
  EXPECT_EQ(spec["serviceAccount"], "default");
  EXPECT_EQ(spec["containers"][0]["imagePullPolicy"], "IfNotPresent");
  EXPECT_EQ(spec["containers"][1]["imagePullPolicy"], "Always") << "no tag is latest";
  EXPECT_EQ(spec["initContainers"][0]["imagePullPolicy"], "IfNotPresent") << "a digest, and a port is no tag";
  EXPECT_EQ(spec["containers"][0]["terminationMessagePath"], "/dev/termination-log");
  EXPECT_EQ(spec["containers"][0]["terminationMessagePolicy"], "File");
  EXPECT_EQ(spec["containers"][0]["ports"][0]["protocol"], "TCP");
}

TEST(PodRules, DefaultsNeverOverwriteWhatWasSet) {
  Json p = pod();
  p["spec"]["restartPolicy"] = "Never";
  p["spec"]["serviceAccount"] = "robot";
  p["spec"]["containers"][1]["image"] = "busybox:latest";
  p["spec"]["containers"][0]["imagePullPolicy"] = "Never";
  Json spec = admitted(p)["spec"];
  EXPECT_EQ(spec["restartPolicy"], "Never");
  EXPECT_EQ(spec["serviceAccountName"], "robot");
  EXPECT_EQ(spec["containers"][0]["imagePullPolicy"], "Never");
  EXPECT_EQ(spec["containers"][1]["imagePullPolicy"], "Always");
}

TEST(PodRules, AnUpdateMayChangeImagesLowerTheDeadlineAddTolerationsAndDropGates) {
  Json old = pod();
  old["spec"]["activeDeadlineSeconds"] = 100;
  old["spec"]["schedulingGates"] = Json::array({{{"name", "g1"}}, {{"name", "g2"}}});
  old = admitted(old);
  Json next = old;
  next["spec"]["containers"][0]["image"] = "nginx:1.28";
  next["spec"]["initContainers"][0]["image"] = "init:2";
  next["spec"]["activeDeadlineSeconds"] = 50;
  next["spec"]["tolerations"].push_back({{"key", "new"}, {"operator", "Exists"}});
  next["spec"]["tolerations"][0]["tolerationSeconds"] = 30;
  next["spec"]["schedulingGates"] = Json::array({{{"name", "g2"}}});
  next["metadata"]["labels"] = {{"a", "b"}};
  next["status"] = {{"phase", "Running"}};
  EXPECT_EQ(errors_of(next, old), "");
}

TEST(PodRules, AnUpdateOfAnyOtherSpecFieldIsForbiddenInKubesWords) {
  Json old = admitted(pod());
  Json next = old;
  next["spec"]["restartPolicy"] = "Never";
  std::string errors = errors_of(next, old);
  EXPECT_EQ(
      errors.rfind("  - spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,"
                   "`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to "
                   "existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was "
                   "previously negative)",
                   0),
      0u)
      << errors;
  EXPECT_NE(errors.find("restartPolicy: \"Always\""), std::string::npos) << errors;

  next = old;
  next["spec"]["nodeName"] = "n1";
  EXPECT_NE(errors_of(next, old), "") << "a pod is bound through its binding subresource, not an update";
  next = old;
  next["spec"]["containers"].erase(1);
  EXPECT_EQ(errors_of(next, old), one("spec.containers: Forbidden: pod updates may not add or remove containers"));
  next = old;
  next["spec"]["activeDeadlineSeconds"] = 10;
  old["spec"]["activeDeadlineSeconds"] = 5;
  EXPECT_EQ(errors_of(next, old),
            one("spec.activeDeadlineSeconds: Invalid value: 10: must be less than or equal to previous value"));
  next = old;
  next["spec"]["tolerations"] = Json::array();
  EXPECT_EQ(
      errors_of(next, old),
      one("spec.tolerations[0]: Forbidden: existing toleration can not be modified except its tolerationSeconds"));
  next = old;
  next["spec"]["schedulingGates"] = Json::array({{{"name", "new"}}});
  EXPECT_EQ(errors_of(next, old),
            one("spec.schedulingGates: Forbidden: only deletion is allowed, but found new scheduling gate 'new'"));
}

TEST(PodRules, APodStoredWithoutDefaultsCanStillBeUpdated) {
  Json old = pod();
  old["spec"]["containers"][0]["ports"][0]["protocol"] = "TCP";
  Json next = old;
  next["metadata"]["labels"] = {{"a", "b"}};
  EXPECT_EQ(errors_of(next, old), "");
}

}  // namespace
}  // namespace kthena::api::testing
