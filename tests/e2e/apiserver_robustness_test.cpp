// `kthena apiserver` under stress: kill -9 during a burst of writes, racing updates, and bad input, through the
// kube client library (its real consumer) and raw requests.
#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "e2e/apiserver_process.h"
#include "kube/client.h"
#include "kube/kubeconfig.h"
#include "kube/watch_stream.h"
#include "unit/apiserver/storage/temp_dir.h"

namespace kthena::testing {
namespace {

using namespace std::chrono_literals;

std::shared_ptr<kube::KubeClient> client_for(const ApiServerProcess& server) {
  auto config = kube::load_kubeconfig_file(server.kubeconfig());
  EXPECT_TRUE(config) << config.error().to_string();
  auto client = kube::KubeClient::create(*config);
  EXPECT_TRUE(client) << client.error().to_string();
  return *client;
}

Json configmap(const std::string& name, const std::string& value) {
  return Json{{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", {{"name", name}}}, {"data", {{"k", value}}}};
}

int64_t rv_of(const Json& object) {
  return std::stoll(object["metadata"]["resourceVersion"].get<std::string>());
}

TEST(ApiServerDurabilityTest, KillNineDuringABurstLosesNoAcknowledgedWrite) {
  TempDir dir;
  ApiServerProcess server(dir.path() / "data");
  ASSERT_TRUE(server.start());
  auto client = client_for(server);
  auto cms = kube::resources::config_maps();
  auto first = client->create(cms, "default", configmap("first", "0"));
  ASSERT_TRUE(first);
  const int64_t early_rv = rv_of(*first);

  std::mutex mutex;
  std::map<std::string, int64_t> acknowledged;  // name -> resourceVersion the server acknowledged
  std::atomic<bool> stop{false};
  std::vector<std::thread> writers;
  for (int w = 0; w < 4; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; !stop.load(); ++i) {
        std::string name = "burst-" + std::to_string(w) + "-" + std::to_string(i);
        auto created = client->create(cms, "default", configmap(name, std::to_string(i)));
        if (!created) return;  // the server died under us
        std::lock_guard lock(mutex);
        acknowledged[name] = rv_of(*created);
      }
    });
  }
  std::this_thread::sleep_for(1500ms);
  server.kill(SIGKILL);
  stop = true;
  for (auto& t : writers) t.join();
  ASSERT_GT(acknowledged.size(), 10u) << "the burst wrote too little to prove anything";

  ASSERT_TRUE(server.start(server.authority()));
  client = client_for(server);
  int64_t max_acked = 0;
  for (const auto& [name, rv] : acknowledged) {
    auto got = client->get(cms, "default", name);
    ASSERT_TRUE(got) << name << " was acknowledged (rv " << rv << ") but is gone: " << got.error().to_string();
    EXPECT_EQ(rv_of(*got), rv) << name;
    max_acked = std::max(max_acked, rv);
  }
  auto after = client->create(cms, "default", configmap("after-restart", "1"));
  ASSERT_TRUE(after);
  EXPECT_GT(rv_of(*after), max_acked) << "resourceVersions only grow across a crash";

  // A watch resumed from before the crash gets every later event in order, or 410 Gone.
  auto stream = client->watch(cms, "default", {.resource_version = std::to_string(early_rv), .bookmarks = false});
  ASSERT_TRUE(stream);
  std::set<std::string> seen;
  int64_t last = early_rv;
  while (true) {
    auto event = (*stream)->next(3s);
    ASSERT_TRUE(event) << "the resumed watch stalled after " << seen.size() << " events";
    if (event->type == "ERROR") {
      EXPECT_EQ(event->object["code"], 410);
      break;
    }
    int64_t rv = rv_of(event->object);
    EXPECT_GT(rv, last) << "events out of order";
    last = rv;
    seen.insert(event->object["metadata"]["name"].get<std::string>());
    if (seen.count("after-restart")) break;
  }
  if (seen.count("after-restart")) {
    for (const auto& [name, rv] : acknowledged) EXPECT_TRUE(seen.count(name)) << name << " missing from the watch";
  }
}

TEST(ApiServerConcurrencyTest, OfTwoConcurrentUpdatesExactlyOneWins) {
  TempDir dir;
  ApiServerProcess server(dir.path() / "data");
  ASSERT_TRUE(server.start());
  auto a = client_for(server);
  auto b = client_for(server);
  auto cms = kube::resources::config_maps();
  ASSERT_TRUE(a->create(cms, "default", configmap("race", "0")));
  for (int round = 1; round <= 10; ++round) {
    auto base = a->get(cms, "default", "race");
    ASSERT_TRUE(base);
    std::atomic<int> wins{0}, conflicts{0};
    auto update = [&](const std::shared_ptr<kube::KubeClient>& client, const std::string& value) {
      Json next = *base;
      next["data"]["k"] = value;
      auto r = client->update(cms, next);
      if (r)
        ++wins;
      else if (r.error().code == ErrorCode::kConflict)
        ++conflicts;
    };
    std::thread t1(update, a, "a" + std::to_string(round));
    std::thread t2(update, b, "b" + std::to_string(round));
    t1.join();
    t2.join();
    EXPECT_EQ(wins.load(), 1) << "round " << round;
    EXPECT_EQ(conflicts.load(), 1) << "round " << round;
  }
}

TEST(ApiServerBadInputTest, ClearStatusErrorsAndTheServerKeepsServing) {
  TempDir dir;
  ApiServerProcess server(dir.path() / "data", "--max-request-bytes 65536");
  ASSERT_TRUE(server.start());
  auto client = client_for(server);
  const std::string collection = "/apis/workload.serving.volcano.sh/v1alpha1/namespaces/default/modelservings";
  struct Case {
    std::string name;
    std::string content_type;
    std::string body;
    int status;
    std::string reason;
    std::string message;
  };
  std::vector<Case> cases = {
      {"malformed JSON", "application/json", R"({"apiVersion": "workload.serving.volcano.sh/v1alpha1",)", 400,
       "BadRequest", "body:1:"},
      {"malformed YAML", "application/yaml", "kind: ModelServing\nmetadata: {name: [x\n", 400, "BadRequest", "body:"},
      {"wrong kind", "application/json", R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"}})", 400,
       "BadRequest", "does not match the expected API version"},
      {"invalid spec", "application/json",
       R"({"apiVersion":"workload.serving.volcano.sh/v1alpha1","kind":"ModelServing","metadata":{"name":"x"},
           "spec":{"replicas":-1,"template":{"roles":[]}}})",
       422, "Invalid", "ModelServing.workload.serving.volcano.sh \"x\" is invalid"},
      {"unknown field under Strict", "application/json",
       R"({"apiVersion":"workload.serving.volcano.sh/v1alpha1","kind":"ModelServing","metadata":{"name":"x"},
           "spec":{"bogus":true,"template":{"roles":[{"name":"r","replicas":1,"entryTemplate":{"spec":{"containers":[{"name":"c","image":"i"}]}}}]}}})",
       400, "BadRequest", "strict decoding error: unknown field \"spec.bogus\""},
      {"oversized body", "application/json", std::string(70000, ' ') + "{}", 413, "RequestEntityTooLarge",
       "larger than the limit"},
      // Past twice the limit the HTTP layer refuses it before the API handler sees it: a Status all the same.
      {"body past the HTTP layer's limit", "application/json", std::string(140000, ' ') + "{}", 413,
       "RequestEntityTooLarge", "exceeds the limit of 131072"},
      {"unsupported content type", "text/plain", "hello", 415, "UnsupportedMediaType", "unknown format"},
  };
  for (const auto& c : cases) {
    std::string target = collection + (c.name == "unknown field under Strict" ? "?fieldValidation=Strict" : "");
    auto response = client->request("POST", target, c.body, c.content_type);
    ASSERT_TRUE(response) << c.name << ": " << response.error().to_string();
    EXPECT_EQ(response->status, c.status) << c.name << ": " << response->body;
    auto status = Json::parse(response->body, nullptr, false);
    ASSERT_TRUE(status.is_object()) << c.name << ": " << response->body;
    EXPECT_EQ(status["kind"], "Status") << c.name;
    EXPECT_EQ(status["code"], c.status) << c.name;
    EXPECT_EQ(status["reason"], c.reason) << c.name << ": " << response->body;
    EXPECT_NE(status["message"].get<std::string>().find(c.message), std::string::npos)
        << c.name << ": " << status["message"];
    if (c.status == 422) {
      ASSERT_TRUE(status["details"].contains("causes")) << response->body;
      EXPECT_EQ(status["details"]["kind"], "ModelServing");
      EXPECT_EQ(status["details"]["name"], "x");
      for (const auto& cause : status["details"]["causes"]) {
        EXPECT_FALSE(cause["field"].get<std::string>().empty());
        EXPECT_EQ(cause["message"].get<std::string>().rfind(cause["field"].get<std::string>(), 0), std::string::npos)
            << "a cause's message does not repeat its field: " << cause;
      }
    }
    // Whatever came before, the server still answers.
    auto alive = client->get(kube::resources::namespaces(), "", "default");
    ASSERT_TRUE(alive) << "after " << c.name << ": " << alive.error().to_string();
  }
  auto unknown_path = client->request("GET", "/apis/nope.example.com/v1/things");
  ASSERT_TRUE(unknown_path);
  EXPECT_EQ(unknown_path->status, 404);
  EXPECT_NE(unknown_path->body.find("the server could not find the requested resource"), std::string::npos);
}

}  // namespace
}  // namespace kthena::testing
