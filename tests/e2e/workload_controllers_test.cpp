// The apps/v1 workload controllers (Deployment, ReplicaSet, StatefulSet), EndpointSlices and ServiceAccounts of
// `kthena controller-manager`, driven by the real kubectl 1.32 against the embedded API server, with the stand-in
// kubelet of controller_fixture.h marking pods Running and Ready.
#include <fstream>
#include <regex>

#include "e2e/controller_fixture.h"
#include "unit/api/conformance_dir.h"
#include "unit/apiserver/support/command.h"

namespace kthena::e2e {
namespace {

using testing::CommandResult;
using testing::run_command;

class WorkloadControllers : public ControllerManager {
 protected:
  CommandResult kubectl(const std::string& args) {
    return run_command("kubectl --kubeconfig " + server_->kubeconfig_path().string() + " --cache-dir " +
                       (dir_.path() / "kubectl-cache").string() + " " + args);
  }
  std::string ok(const std::string& args) {
    auto r = kubectl(args);
    EXPECT_EQ(r.exit_code, 0) << "kubectl " << args << "\n" << r.out;
    return r.out;
  }
  Json json(const std::string& args) {
    auto r = kubectl(args + " -o json");
    EXPECT_EQ(r.exit_code, 0) << r.out;
    try {
      return Json::parse(r.out);
    } catch (const std::exception& e) {
      ADD_FAILURE() << e.what() << "\n" << r.out;
      return Json();
    }
  }
  std::string write(const std::string& name, const std::string& text) {
    auto path = dir_.path() / name;
    std::ofstream(path) << text;
    return path.string();
  }
  // The live pods of app=`app`, by image.
  std::map<std::string, int> images(const std::string& app) {
    std::map<std::string, int> out;
    for (const Json& p : pods("app=" + app)) {
      if (!p["metadata"].contains("deletionTimestamp")) ++out[p["spec"]["containers"][0].value("image", "")];
    }
    return out;
  }
};

TEST_F(WorkloadControllers, DeploymentCreateScaleSetImageUndoAsKubectlDoes) {
  EXPECT_NE(ok("create deployment web --image=nginx:1.27 --replicas=3").find("deployment.apps/web created"),
            std::string::npos);
  EXPECT_NE(ok("rollout status deployment/web --timeout=60s").find("successfully rolled out"), std::string::npos);
  Json rs = json("get replicasets -l app=web");
  ASSERT_EQ(rs["items"].size(), 1u);
  const Json& first = rs["items"][0];
  std::string hash = first["metadata"]["labels"].value("pod-template-hash", "");
  EXPECT_EQ(first["metadata"]["name"], "web-" + hash);
  EXPECT_EQ(first["metadata"]["annotations"].value("deployment.kubernetes.io/revision", ""), "1");
  EXPECT_EQ(first["metadata"]["ownerReferences"][0]["kind"], "Deployment");
  EXPECT_EQ(first["spec"]["selector"]["matchLabels"].value("pod-template-hash", ""), hash);
  auto web = pods("app=web");
  ASSERT_EQ(web.size(), 3u);
  for (const Json& p : web) {
    EXPECT_EQ(p["metadata"]["ownerReferences"][0]["name"], first["metadata"]["name"]);
    EXPECT_EQ(label(p, "pod-template-hash"), hash);
    EXPECT_TRUE(std::regex_match(p["metadata"]["name"].get<std::string>(), std::regex("web-" + hash + "-[a-z0-9]{5}")));
  }
  // kubectl get prints the Deployment as a cluster does.
  EXPECT_TRUE(std::regex_search(ok("get deployment web"), std::regex("web\\s+3/3\\s+3\\s+3")));

  ok("scale deployment web --replicas=5");
  EXPECT_NE(ok("rollout status deployment/web --timeout=60s").find("successfully rolled out"), std::string::npos);
  EXPECT_EQ(images("web"), (std::map<std::string, int>{{"nginx:1.27", 5}}));

  // A rolling update within maxSurge (25% of 5, up: 2) and maxUnavailable (down: 1), sampled while it runs.
  std::atomic<bool> sampling{true};
  std::atomic<size_t> most{0};
  std::jthread sampler([&] {
    while (sampling.load()) {
      size_t live = 0;
      for (const Json& p : pods("app=web")) live += !p["metadata"].contains("deletionTimestamp");
      most.store(std::max(most.load(), live));
      std::this_thread::sleep_for(20ms);
    }
  });
  ok("set image deployment/web nginx=nginx:1.28");
  EXPECT_NE(ok("rollout status deployment/web --timeout=60s").find("successfully rolled out"), std::string::npos);
  sampling.store(false);
  sampler.join();
  EXPECT_LE(most.load(), 7u);
  EXPECT_EQ(images("web"), (std::map<std::string, int>{{"nginx:1.28", 5}}));
  Json d = json("get deployment web");
  EXPECT_EQ(d["metadata"]["annotations"].value("deployment.kubernetes.io/revision", ""), "2");
  EXPECT_EQ(d["status"].value("updatedReplicas", 0), 5);
  EXPECT_EQ(json("get replicasets -l app=web")["items"].size(), 2u);
  std::string history = ok("rollout history deployment/web");
  EXPECT_TRUE(std::regex_search(history, std::regex("\\n1\\s")) && std::regex_search(history, std::regex("\\n2\\s")))
      << history;

  // Undo: the first ReplicaSet becomes the new one again, as revision 3.
  EXPECT_NE(ok("rollout undo deployment/web").find("rolled back"), std::string::npos);
  EXPECT_NE(ok("rollout status deployment/web --timeout=60s").find("successfully rolled out"), std::string::npos);
  EXPECT_EQ(images("web"), (std::map<std::string, int>{{"nginx:1.27", 5}}));
  Json back = json("get replicaset web-" + hash);
  EXPECT_EQ(back["metadata"]["annotations"].value("deployment.kubernetes.io/revision", ""), "3");
  EXPECT_EQ(back["spec"].value("replicas", 0), 5);

  // Deleting the Deployment takes its ReplicaSets and pods with it (the garbage collector, by owner references).
  ok("delete deployment web --wait=true --timeout=30s");
  EXPECT_TRUE(eventually([&] { return pods("app=web").empty(); }, 30s));
}

TEST_F(WorkloadControllers, RecreateStopsEveryOldPodBeforeStartingNewOnes) {
  ok("create deployment batch --image=nginx:1.27 --replicas=2");
  ok("patch deployment batch --type=merge -p "
     "'{\"spec\":{\"strategy\":{\"type\":\"Recreate\",\"rollingUpdate\":null}}}'");
  ok("rollout status deployment/batch --timeout=60s");
  std::atomic<bool> sampling{true}, mixed{false};
  std::jthread sampler([&] {
    while (sampling.load()) {
      auto by_image = images("batch");
      if (by_image.size() > 1) mixed.store(true);
      std::this_thread::sleep_for(10ms);
    }
  });
  ok("set image deployment/batch nginx=nginx:1.28");
  ok("rollout status deployment/batch --timeout=60s");
  sampling.store(false);
  sampler.join();
  EXPECT_FALSE(mixed.load()) << "old and new pods ran at once under Recreate";
  EXPECT_EQ(images("batch"), (std::map<std::string, int>{{"nginx:1.28", 2}}));
}

TEST_F(WorkloadControllers, InvalidWorkloadsAreRefusedWithKubernetesTexts) {
  auto mismatch = kubectl("apply -f " + write("bad.yaml", R"(apiVersion: apps/v1
kind: Deployment
metadata: {name: bad}
spec:
  selector: {matchLabels: {app: one}}
  template:
    metadata: {labels: {app: two}}
    spec: {containers: [{name: c, image: nginx}]}
)"));
  EXPECT_NE(mismatch.exit_code, 0);
  EXPECT_NE(mismatch.out.find("`selector` does not match template `labels`"), std::string::npos) << mismatch.out;
  ok("create deployment fixed --image=nginx");
  auto moved = kubectl(
      "patch deployment fixed --type=merge -p "
      "'{\"spec\":{\"selector\":{\"matchLabels\":{\"app\":\"other\"}},\"template\":{\"metadata\":"
      "{\"labels\":{\"app\":\"other\"}}}}}'");
  EXPECT_NE(moved.exit_code, 0);
  EXPECT_NE(moved.out.find("field is immutable"), std::string::npos) << moved.out;
  auto never = kubectl(
      "patch deployment fixed --type=merge -p "
      "'{\"spec\":{\"strategy\":{\"rollingUpdate\":{\"maxSurge\":0,\"maxUnavailable\":0}}}}'");
  EXPECT_NE(never.exit_code, 0);
  EXPECT_NE(never.out.find("may not be 0 when `maxSurge` is 0"), std::string::npos) << never.out;
  // Server-side defaults, as apps/v1's.
  Json d = json("get deployment fixed");
  EXPECT_EQ(d["spec"]["strategy"]["type"], "RollingUpdate");
  EXPECT_EQ(d["spec"]["strategy"]["rollingUpdate"]["maxSurge"], "25%");
  EXPECT_EQ(d["spec"]["revisionHistoryLimit"], 10);
  EXPECT_EQ(d["spec"]["progressDeadlineSeconds"], 600);
}

TEST_F(WorkloadControllers, StatefulSetPodsComeInOrderWithStableNamesAndRollFromTheTop) {
  ok("apply -f " + write("sts.yaml", R"(apiVersion: v1
kind: Service
metadata: {name: db}
spec:
  clusterIP: None
  selector: {app: db}
  ports: [{name: pg, port: 5432}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  replicas: 3
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: pg, image: "postgres:16", ports: [{name: pg, containerPort: 5432}]}]}
)"));
  EXPECT_NE(ok("rollout status statefulset/db --timeout=60s").find("complete"), std::string::npos);
  auto db = pods("app=db");
  std::vector<std::pair<std::string, std::string>> created;
  for (const Json& p : db) {
    created.emplace_back(p["metadata"].value("creationTimestamp", ""), p["metadata"].value("name", ""));
    EXPECT_EQ(p["spec"].value("hostname", ""), p["metadata"].value("name", ""));
    EXPECT_EQ(p["spec"].value("subdomain", ""), "db");
    EXPECT_EQ(label(p, "statefulset.kubernetes.io/pod-name"), p["metadata"].value("name", ""));
  }
  std::sort(created.begin(), created.end());
  ASSERT_EQ(created.size(), 3u);
  EXPECT_EQ(created[0].second, "db-0");
  EXPECT_EQ(created[2].second, "db-2");

  // The headless Service's EndpointSlice lists the three, with their hostnames.
  ASSERT_TRUE(eventually([&] {
    Json slices = json("get endpointslices -l kubernetes.io/service-name=db");
    return slices["items"].size() == 1 && slices["items"][0]["endpoints"].size() == 3;
  }));
  Json slice = json("get endpointslices -l kubernetes.io/service-name=db")["items"][0];
  EXPECT_EQ(slice["ports"][0]["port"], 5432);
  EXPECT_EQ(slice["endpoints"][0]["conditions"]["ready"], true);
  EXPECT_FALSE(slice["endpoints"][0].value("hostname", "").empty());

  ok("patch statefulset db --type=merge -p "
     "'{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"pg\",\"image\":\"postgres:17\"}]}}}}'");
  EXPECT_NE(ok("rollout status statefulset/db --timeout=60s").find("complete"), std::string::npos);
  EXPECT_EQ(images("db"), (std::map<std::string, int>{{"postgres:17", 3}}));
  Json sts = json("get statefulset db");
  EXPECT_EQ(sts["status"]["currentRevision"], sts["status"]["updateRevision"]);
  EXPECT_EQ(json("get controllerrevisions -l app=db")["items"].size(), 2u);

  ok("scale statefulset db --replicas=1");
  ASSERT_TRUE(eventually([&] { return pods("app=db").size() == 1; }));
  EXPECT_EQ(pods("app=db")[0]["metadata"]["name"], "db-0");
  auto changed = kubectl("patch statefulset db --type=merge -p '{\"spec\":{\"serviceName\":\"other\"}}'");
  EXPECT_NE(changed.exit_code, 0);
  EXPECT_NE(changed.out.find("updates to statefulset spec for fields other than"), std::string::npos) << changed.out;
}

TEST_F(WorkloadControllers, EveryNamespaceHasADefaultServiceAccount) {
  ASSERT_TRUE(eventually([&] { return kubectl("get serviceaccount default").exit_code == 0; }));
  ok("create namespace team-a");
  ASSERT_TRUE(eventually([&] { return kubectl("get serviceaccount default -n team-a").exit_code == 0; }));
  ok("delete serviceaccount default -n team-a");
  EXPECT_TRUE(eventually([&] { return kubectl("get serviceaccount default -n team-a").exit_code == 0; }));
}

// Upstream's examples/kthena-router/LLM-Mock.yaml: a Deployment beside a ModelRoute and a ModelServer, applied
// with kubectl's validation on.
TEST_F(WorkloadControllers, UpstreamLlmMockManifestAppliesWhole) {
  auto dir = testing::conformance_dir();
  KTHENA_REQUIRE_CONFORMANCE(dir);
  auto file = dir / "kthena/HEAD/examples/kthena-router/LLM-Mock.yaml";
  std::string out = ok("apply --validate=strict -f " + file.string());
  EXPECT_NE(out.find("deployment.apps/vllm-llama3-8b-instruct created"), std::string::npos) << out;
  EXPECT_NE(out.find("modelroute.networking.serving.volcano.sh/llama created"), std::string::npos) << out;
  EXPECT_NE(out.find("modelserver.networking.serving.volcano.sh/llama created"), std::string::npos) << out;
  EXPECT_NE(ok("rollout status deployment/vllm-llama3-8b-instruct --timeout=60s").find("successfully rolled out"),
            std::string::npos);
  EXPECT_EQ(pods("app=vllm-llama3-8b-instruct").size(), 3u);
}

}  // namespace
}  // namespace kthena::e2e
