// The core, coordination, apps and Volcano kinds the platform writes and kubectl sends pass strict admission with
// every field kept: a field missing from src/api/schemas would be pruned, or rejected under Strict.
#include <gtest/gtest.h>

#include "api/admission.h"
#include "unit/api/validation/webhook_case.h"

namespace kthena::api::testing {
namespace {

void expect_admitted_unchanged_where_given(const char* manifest) {
  Json object = Json::parse(manifest);
  auto admitted = admit(KindRegistry::builtin(), object, nullptr);
  ASSERT_TRUE(admitted) << admitted.error().to_string();
  EXPECT_EQ(render(admitted->errors), "");
  EXPECT_TRUE(admitted->unknown_fields.empty());
  // Every given field survives (defaults may add more).
  Json diff = Json::diff(object, admitted->object);
  for (const Json& op : diff) EXPECT_EQ(op["op"], "add") << op.dump();
}

TEST(CoreKinds, PodAsTheNodeAgentReportsIt) {
  expect_admitted_unchanged_where_given(R"({
    "apiVersion": "v1", "kind": "Pod",
    "metadata": {"name": "ms-0-prefill-0-0", "namespace": "default",
      "labels": {"modelserving.volcano.sh/name": "ms", "modelserving.volcano.sh/entry": "true"},
      "annotations": {"scheduling.k8s.io/group-name": "ms-0"},
      "ownerReferences": [{"apiVersion": "workload.serving.volcano.sh/v1alpha1", "kind": "ModelServing", "name": "ms",
        "uid": "6b1f", "controller": true, "blockOwnerDeletion": true}],
      "finalizers": ["kthena.io/x"]},
    "spec": {"schedulerName": "volcano", "nodeName": "node-1", "restartPolicy": "Always",
      "terminationGracePeriodSeconds": 30, "subdomain": "ms-0-prefill-0-0",
      "containers": [{"name": "engine", "image": "vllm/vllm-openai:latest", "command": ["vllm", "serve"],
        "env": [{"name": "GROUP_SIZE", "value": "1"}, {"name": "POD_IP", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}}],
        "ports": [{"containerPort": 8000, "protocol": "TCP"}],
        "readinessProbe": {"httpGet": {"path": "/health", "port": 8000}, "periodSeconds": 5},
        "resources": {"limits": {"nvidia.com/gpu": "1", "memory": "16Gi"}, "requests": {"cpu": "500m"}},
        "volumeMounts": [{"name": "models", "mountPath": "/models"}]}],
      "volumes": [{"name": "models", "hostPath": {"path": "/var/models", "type": "DirectoryOrCreate"}},
        {"name": "dshm", "emptyDir": {"medium": "Memory", "sizeLimit": "1Gi"}}]},
    "status": {"phase": "Running", "podIP": "127.0.10.4", "podIPs": [{"ip": "127.0.10.4"}], "hostIP": "127.0.0.1",
      "hostIPs": [{"ip": "127.0.0.1"}], "startTime": "2026-01-01T00:00:00Z", "qosClass": "Burstable",
      "conditions": [{"type": "Ready", "status": "True", "lastTransitionTime": "2026-01-01T00:00:05Z"}],
      "containerStatuses": [{"name": "engine", "ready": true, "started": true, "restartCount": 0,
        "image": "vllm/vllm-openai:latest", "imageID": "", "containerID": "kthena://1234",
        "state": {"running": {"startedAt": "2026-01-01T00:00:01Z"}},
        "lastState": {"terminated": {"exitCode": 137, "reason": "OOMKilled", "finishedAt": "2026-01-01T00:00:00Z"}}}]}})");
}

TEST(CoreKinds, HeadlessService) {
  expect_admitted_unchanged_where_given(R"({
    "apiVersion": "v1", "kind": "Service",
    "metadata": {"name": "ms-0-prefill-0-0", "namespace": "default"},
    "spec": {"clusterIP": "None", "publishNotReadyAddresses": true,
      "selector": {"modelserving.volcano.sh/group-name": "ms-0", "modelserving.volcano.sh/entry": "true"}}})");
  expect_admitted_unchanged_where_given(R"({
    "apiVersion": "v1", "kind": "Service", "metadata": {"name": "router", "namespace": "kthena-system"},
    "spec": {"type": "ClusterIP", "ports": [{"name": "http", "port": 80, "targetPort": "http"}],
      "selector": {"app": "router"}}})");
}

TEST(CoreKinds, ConfigMapSecretNamespace) {
  expect_admitted_unchanged_where_given(R"({"apiVersion": "v1", "kind": "ConfigMap",
    "metadata": {"name": "cm", "namespace": "default"}, "data": {"a": "1"}, "binaryData": {"b": "AAE="}})");
  expect_admitted_unchanged_where_given(R"({"apiVersion": "v1", "kind": "Secret",
    "metadata": {"name": "s", "namespace": "default",
      "labels": {"networking.serving.volcano.sh/external-model-provider-credential": "true"}},
    "type": "Opaque", "data": {"token": "c2VjcmV0"}})");  // stringData is merged into data: config_data_rules_test
  expect_admitted_unchanged_where_given(R"({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "dev"},
    "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}})");
}

TEST(CoreKinds, SecretTypeDefaultsToOpaque) {
  auto admitted = admit(
      KindRegistry::builtin(),
      Json::parse(R"({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s", "namespace": "d"}})"), nullptr);
  ASSERT_TRUE(admitted && admitted->ok());
  EXPECT_EQ(admitted->object["type"], "Opaque");
}

TEST(CoreKinds, EventAsControllersRecordIt) {
  expect_admitted_unchanged_where_given(R"({"apiVersion": "v1", "kind": "Event",
    "metadata": {"name": "ms.17a2", "namespace": "default"},
    "involvedObject": {"apiVersion": "workload.serving.volcano.sh/v1alpha1", "kind": "ModelServing", "name": "ms",
      "namespace": "default", "uid": "6b1f", "resourceVersion": "12"},
    "reason": "ScaledUp", "message": "created serving group ms-1", "type": "Normal", "count": 1,
    "source": {"component": "kthena-controller-manager"}, "firstTimestamp": "2026-01-01T00:00:00Z",
    "lastTimestamp": "2026-01-01T00:00:00Z", "eventTime": "2026-01-01T00:00:00.000000Z",
    "reportingComponent": "kthena-controller-manager", "reportingInstance": "cm-0"})");
}

TEST(CoreKinds, NodeAsTheNodeAgentRegistersIt) {
  expect_admitted_unchanged_where_given(R"({"apiVersion": "v1", "kind": "Node",
    "metadata": {"name": "node-1", "labels": {"kubernetes.io/hostname": "node-1"}},
    "spec": {"taints": [{"key": "gpu", "value": "a100", "effect": "NoSchedule"}]},
    "status": {"capacity": {"cpu": "8", "memory": "32Gi", "nvidia.com/gpu": "2"},
      "allocatable": {"cpu": "7500m", "memory": "30Gi", "nvidia.com/gpu": "2"},
      "conditions": [{"type": "Ready", "status": "True", "lastHeartbeatTime": "2026-01-01T00:00:00Z",
        "lastTransitionTime": "2026-01-01T00:00:00Z", "reason": "KubeletReady", "message": "ready"}],
      "addresses": [{"type": "InternalIP", "address": "127.0.0.1"}, {"type": "Hostname", "address": "node-1"}],
      "nodeInfo": {"kubeletVersion": "v1.32.0", "operatingSystem": "linux", "architecture": "amd64"}}})");
}

TEST(CoreKinds, LeaseControllerRevisionPodGroup) {
  expect_admitted_unchanged_where_given(R"({"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
    "metadata": {"name": "kthena-controller-manager", "namespace": "kthena-system"},
    "spec": {"holderIdentity": "cm-0_1a2b", "leaseDurationSeconds": 15, "acquireTime": "2026-01-01T00:00:00.000000Z",
      "renewTime": "2026-01-01T00:00:10.000000Z", "leaseTransitions": 3}})");
  expect_admitted_unchanged_where_given(R"({"apiVersion": "apps/v1", "kind": "ControllerRevision",
    "metadata": {"name": "ms-5d8f", "namespace": "default", "labels": {"modelserving.volcano.sh/name": "ms"}},
    "data": {"spec": {"template": {"roles": [{"name": "prefill", "anything": {"kept": true}}]}}}, "revision": 2})");
  expect_admitted_unchanged_where_given(R"({"apiVersion": "scheduling.volcano.sh/v1beta1", "kind": "PodGroup",
    "metadata": {"name": "ms-0", "namespace": "default", "annotations": {"scheduling.k8s.io/group-name": "ms-0"}},
    "spec": {"minMember": 4, "queue": "default", "minResources": {"cpu": "2", "nvidia.com/gpu": "4"},
      "networkTopology": {"mode": "hard", "highestTierAllowed": 1},
      "subGroupPolicy": [{"name": "prefill", "subGroupSize": 2, "minSubGroups": 1,
        "labelSelector": {"matchLabels": {"modelserving.volcano.sh/role": "prefill"}},
        "matchLabelKeys": ["modelserving.volcano.sh/role-id"]}]},
    "status": {"phase": "Running", "running": 4, "conditions": [{"type": "Scheduled", "status": "True"}]}})");
}

TEST(CoreKinds, KubectlShortNamesAndCategories) {
  const KindRegistry& r = KindRegistry::builtin();
  for (auto [name, kind] : {std::pair{"ns", "Namespace"}, std::pair{"po", "Pod"}, std::pair{"svc", "Service"},
                            std::pair{"cm", "ConfigMap"}, std::pair{"ev", "Event"}, std::pair{"no", "Node"},
                            std::pair{"pg", "PodGroup"}, std::pair{"podgroup-v1beta1", "PodGroup"}}) {
    const KindInfo* k = r.find_by_name(name);
    ASSERT_NE(k, nullptr) << name;
    EXPECT_EQ(k->kind, kind);
    EXPECT_FALSE(k->crd);
  }
  EXPECT_EQ(r.find_by_name("pods")->categories, std::vector<std::string>{"all"});
  EXPECT_EQ(r.find_by_name("services")->categories, std::vector<std::string>{"all"});
  EXPECT_FALSE(r.find_by_name("nodes")->namespaced);
  EXPECT_FALSE(r.find_by_name("namespaces")->namespaced);
  EXPECT_TRUE(r.find_by_name("modelservings")->scale.has_value());
}

}  // namespace
}  // namespace kthena::api::testing
