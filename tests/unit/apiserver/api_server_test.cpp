// The API server in-process, driven by the real kubectl (kubectl-protocol.md). The resources here are shaped as the
// kind registry describes them; the full model (schemas, OpenAPI, admission) is exercised by tests/e2e.
#include "apiserver/api_server.h"

#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include "unit/apiserver/storage/temp_dir.h"
#include "unit/apiserver/support/command.h"
#include "unit/apiserver/test_resources.h"

namespace kthena::apiserver {
namespace {

using ::kthena::testing::CommandResult;
using ::kthena::testing::run_command;
using ::kthena::testing::TempDir;

std::vector<ServedResource> test_model() {
  std::vector<ServedResource> out;
  for (auto info : {testing::namespaces_resource(), testing::configmaps_resource(), testing::pods_resource(),
                    testing::modelservings_resource()}) {
    ServedResource served{info, {}, {}};
    if (info.kind == "ModelServing") {
      served.printer_columns = {{"Replicas", "integer", "", "Total number of serving groups", 0, ".status.replicas"},
                                {"Age", "date", "", "", 0, ".metadata.creationTimestamp"}};
    }
    out.push_back(std::move(served));
  }
  ResourceInfo secrets{"", "v1", "secrets", "secret", "Secret", "SecretList", true, false, std::nullopt, true, {}, {}};
  out.push_back({secrets, {}, {}});
  return out;
}

class ApiServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ApiServerOptions options;
    options.data_dir = dir_.path() / "data";
    options.listen = "127.0.0.1:0";
    auto server = ApiServer::start(options, ApiModel{test_model(), {}, nullptr, nullptr});
    ASSERT_TRUE(server) << server.error().to_string();
    server_ = std::move(*server);
  }
  void TearDown() override {
    if (server_) server_->shutdown();
  }
  std::string write(const std::string& name, const std::string& text) {
    auto path = dir_.path() / name;
    std::ofstream(path) << text;
    return path.string();
  }
  CommandResult kubectl(const std::string& args) {
    return run_command("kubectl --kubeconfig " + server_->kubeconfig_path().string() + " --cache-dir " +
                       (dir_.path() / "cache").string() + " " + args);
  }

  TempDir dir_;
  std::unique_ptr<ApiServer> server_;
};

TEST_F(ApiServerTest, KubectlVersionAndNamespaces) {
  auto version = kubectl("version");
  EXPECT_EQ(version.exit_code, 0) << version.out;
  EXPECT_NE(version.out.find("Server Version: v1.32.0+kthena"), std::string::npos) << version.out;
  auto namespaces = kubectl("get ns");
  EXPECT_EQ(namespaces.exit_code, 0) << namespaces.out;
  EXPECT_NE(namespaces.out.find("default"), std::string::npos) << namespaces.out;
  EXPECT_NE(namespaces.out.find("kthena-system"), std::string::npos) << namespaces.out;
  EXPECT_NE(namespaces.out.find("Active"), std::string::npos) << namespaces.out;
}

TEST_F(ApiServerTest, KubectlCreateConfigmapSendsProtobuf) {
  auto created = kubectl("create configmap cm2 --from-literal=k=v");
  ASSERT_EQ(created.exit_code, 0) << created.out;
  EXPECT_NE(created.out.find("configmap/cm2 created"), std::string::npos) << created.out;
  auto got = kubectl("get cm cm2 -o jsonpath='{.data.k}'");
  EXPECT_EQ(got.out, "v");
  auto again = kubectl("create configmap cm2 --from-literal=k=v");
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.out.find("configmaps \"cm2\" already exists"), std::string::npos) << again.out;
  auto secret = kubectl("create secret generic s1 --from-literal=pw=hi!");
  ASSERT_EQ(secret.exit_code, 0) << secret.out;
  auto data = kubectl("get secret s1 -o jsonpath='{.data.pw}'");
  EXPECT_EQ(data.out, "aGkh");
  auto ns = kubectl("create namespace team");
  EXPECT_EQ(ns.exit_code, 0) << ns.out;
}

TEST_F(ApiServerTest, RequestsWithoutTheTokenAreUnauthorizedButHealthIsOpen) {
  std::string text = run_command("cat " + server_->kubeconfig_path().string()).out;
  auto pos = text.find("token: ");
  ASSERT_NE(pos, std::string::npos);
  text = text.substr(0, pos) + "token: wrong-token-0123456789\n" + text.substr(text.find('\n', pos) + 1);
  auto config = write("no-token", text);
  auto denied =
      run_command("kubectl --kubeconfig " + config + " --cache-dir " + (dir_.path() / "cache2").string() + " get ns");
  EXPECT_EQ(denied.exit_code, 1);
  EXPECT_NE(denied.out.find("You must be logged in to the server"), std::string::npos) << denied.out;
  auto health = run_command("curl -sk " + server_->url() + "/healthz");
  EXPECT_EQ(health.out, "ok");
  auto version = run_command("curl -sk -o /dev/null -w '%{http_code}' " + server_->url() + "/version");
  EXPECT_EQ(version.out, "401");
}

TEST_F(ApiServerTest, CustomResourcesThroughKubectl) {
  std::string manifest = R"({"apiVersion":"workload.serving.volcano.sh/v1alpha1","kind":"ModelServing",
    "metadata":{"name":"demo","labels":{"app":"demo"}},"spec":{"replicas":1}})";
  auto applied = kubectl("apply --validate=false -f " + write("ms.json", manifest));
  ASSERT_EQ(applied.exit_code, 0) << applied.out;
  EXPECT_NE(applied.out.find("modelserving.workload.serving.volcano.sh/demo created"), std::string::npos)
      << applied.out;
  auto table = kubectl("get modelservings");
  EXPECT_EQ(table.exit_code, 0) << table.out;
  EXPECT_NE(table.out.find("REPLICAS"), std::string::npos) << table.out;
  auto scaled = kubectl("scale modelserving demo --replicas=3");
  EXPECT_EQ(scaled.exit_code, 0) << scaled.out;
  EXPECT_EQ(kubectl("get modelserving demo -o jsonpath='{.spec.replicas}'").out, "3");
  auto labelled = kubectl("label modelserving demo tier=gold");
  EXPECT_EQ(labelled.exit_code, 0) << labelled.out;
  EXPECT_EQ(kubectl("get modelservings -l tier=gold -o name").out, "modelserving.workload.serving.volcano.sh/demo\n");
  auto smp = kubectl("patch modelserving demo -p '{\"spec\":{\"replicas\":2}}'");
  EXPECT_EQ(smp.exit_code, 1);
  EXPECT_NE(smp.out.find("application/strategic-merge-patch+json is not supported"), std::string::npos) << smp.out;
  auto merge = kubectl("patch modelserving demo --type=merge -p '{\"spec\":{\"replicas\":2}}'");
  EXPECT_EQ(merge.exit_code, 0) << merge.out;
  auto status = kubectl("patch modelserving demo --subresource=status --type=merge -p '{\"status\":{\"replicas\":2}}'");
  EXPECT_EQ(status.exit_code, 0) << status.out;
  EXPECT_NE(kubectl("get modelservings").out.find("demo   2"), std::string::npos);
  auto deleted = kubectl("delete modelserving demo");
  EXPECT_EQ(deleted.exit_code, 0) << deleted.out;
  auto gone = kubectl("get modelserving demo");
  EXPECT_EQ(gone.exit_code, 1);
  EXPECT_NE(gone.out.find("modelservings.workload.serving.volcano.sh \"demo\" not found"), std::string::npos)
      << gone.out;
}

// What `kthena apiserver` guards beside the token: who shares its port, who can read its files, which TLS 1.2 suites
// it offers.
mode_t mode_of(const std::filesystem::path& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? (st.st_mode & 07777) : 0;
}

TEST_F(ApiServerTest, TheDatabaseAndItsWriteAheadLogAreTheOwnersAlone) {
  ASSERT_EQ(kubectl("create configmap written --from-literal=k=v").exit_code, 0);
  const auto data = dir_.path() / "data";
  EXPECT_EQ(mode_of(data / "state.db"), 0600u);
  ASSERT_TRUE(std::filesystem::exists(data / "state.db-wal"));
  EXPECT_EQ(mode_of(data / "state.db-wal"), 0600u);
  // A data dir from a version that left them 0644 is made private when the server opens it again.
  server_->shutdown();
  server_.reset();
  ::chmod((data / "state.db").c_str(), 0644);
  ApiServerOptions options;
  options.data_dir = data;
  options.listen = "127.0.0.1:0";
  auto again = ApiServer::start(options, ApiModel{test_model(), {}, nullptr, nullptr});
  ASSERT_TRUE(again) << again.error().to_string();
  server_ = std::move(*again);
  EXPECT_EQ(mode_of(data / "state.db"), 0600u);
  EXPECT_EQ(kubectl("get cm written -o jsonpath='{.data.k}'").out, "v");
}

TEST_F(ApiServerTest, ASecondServerOnTheSamePortIsRefused) {
  ApiServerOptions options;
  options.data_dir = dir_.path() / "other";
  options.listen = "127.0.0.1:" + std::to_string(server_->port());
  auto second = ApiServer::start(options, ApiModel{test_model(), {}, nullptr, nullptr});
  ASSERT_FALSE(second) << "a second server shares port " << server_->port();
  EXPECT_NE(second.error().to_string().find("in use"), std::string::npos) << second.error().to_string();
  EXPECT_EQ(kubectl("get ns default -o name").out, "namespace/default\n");
}

TEST_F(ApiServerTest, Tls12OffersOnlyForwardSecretAeadSuites) {
  const std::string connect =
      "echo | timeout 10 openssl s_client -connect 127.0.0.1:" + std::to_string(server_->port()) + " -tls1_2 -cipher ";
  auto cbc = run_command(connect + "'AES128-SHA:ECDHE-RSA-AES128-SHA:ECDHE-ECDSA-AES128-SHA:AES256-SHA256'");
  EXPECT_NE(cbc.exit_code, 0) << cbc.out;
  EXPECT_NE(cbc.out.find("handshake failure"), std::string::npos) << cbc.out;
  auto gcm = run_command(connect + "'ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256'");
  EXPECT_EQ(gcm.exit_code, 0) << gcm.out;
  EXPECT_NE(gcm.out.find("-GCM-SHA256"), std::string::npos) << gcm.out;
}

// Identities: the administrator's kubeconfig and one per component, each its own user in `kubectl auth whoami`,
// allowed everything in `auth can-i`, and each with its own share of the server.
TEST_F(ApiServerTest, EachComponentHasItsOwnIdentityAndAuthSaysWhoAndWhat) {
  const auto components = dir_.path() / "data" / "components";
  auto whoami = kubectl("auth whoami");
  ASSERT_EQ(whoami.exit_code, 0) << whoami.out;
  EXPECT_NE(whoami.out.find("kthena-admin"), std::string::npos) << whoami.out;
  EXPECT_NE(whoami.out.find("system:masters"), std::string::npos) << whoami.out;
  for (const char* component : {"controller-manager", "node", "router"}) {
    const auto config = components / (std::string(component) + ".kubeconfig");
    ASSERT_TRUE(std::filesystem::exists(config)) << config;
    EXPECT_EQ(mode_of(config), 0600u);
    auto as_component =
        run_command("kubectl --kubeconfig " + config.string() + " --cache-dir " + (dir_.path() / "cache").string() +
                    " auth whoami -o jsonpath='{.status.userInfo.username}'");
    EXPECT_EQ(as_component.out, "system:kthena:" + std::string(component));
  }
  auto can = kubectl("auth can-i delete modelservings --all-namespaces");
  EXPECT_EQ(can.exit_code, 0) << can.out;
  EXPECT_EQ(can.out, "yes\n");
  auto list = kubectl("auth can-i --list");
  EXPECT_EQ(list.exit_code, 0) << list.out;
  EXPECT_NE(list.out.find("*.*"), std::string::npos) << list.out;
  auto resources = kubectl("api-resources --api-group=authorization.k8s.io -o name");
  EXPECT_NE(resources.out.find("selfsubjectaccessreviews.authorization.k8s.io"), std::string::npos) << resources.out;

  // TokenReview: what a node agent asks about a token the API server presents to it.
  auto review = [&](const std::string& token) {
    return run_command("curl -sk -H 'Authorization: Bearer " + server_->token() +
                       "' -H 'Content-Type: application/json' -X POST " + server_->url() +
                       "/apis/authentication.k8s.io/v1/tokenreviews -d '{\"spec\":{\"token\":\"" + token + "\"}}'")
        .out;
  };
  std::string node_token = run_command("cat " + (components / "node.token").string()).out;
  node_token.erase(node_token.find_last_not_of("\n") + 1);
  auto known = review(node_token);
  EXPECT_NE(known.find("\"authenticated\":true"), std::string::npos) << known;
  EXPECT_NE(known.find("system:kthena:node"), std::string::npos) << known;
  EXPECT_EQ(known.find(node_token), std::string::npos) << "the token is echoed back: " << known;
  auto unknown = review("not-a-token-0123456789abcdef");
  EXPECT_NE(unknown.find("\"authenticated\":false"), std::string::npos) << unknown;
}

// 400 lists at once from three identities: each waits its turn for one of its seats, none is refused.
TEST_F(ApiServerTest, FourHundredParallelListsFromThreeIdentitiesAreAllAnswered) {
  const auto components = dir_.path() / "data" / "components";
  std::vector<std::string> tokens{server_->token()};
  for (const char* component : {"controller-manager", "router"}) {
    std::string token = run_command("cat " + (components / (std::string(component) + ".token")).string()).out;
    tokens.push_back(token.substr(0, token.find('\n')));
  }
  std::string script = "for t in";
  for (const auto& token : tokens) script += " " + token;
  // 134 + 133 + 133 requests, all started before any is answered.
  script +=
      "; do seq 134 | xargs -P 134 -I{} curl -sk -o /dev/null -w '%{http_code}\\n' -H \"Authorization: Bearer $t\" " +
      server_->url() + "/api/v1/configmaps & done; wait";
  auto codes = run_command("(" + script + ") | sort | uniq -c");
  EXPECT_NE(codes.out.find("402 200"), std::string::npos) << codes.out;
  EXPECT_EQ(codes.out.find("429"), std::string::npos) << codes.out;
}

// /metrics in kube-apiserver's names, which promtool accepts; the request log names the user, the verb and the code.
TEST(ApiServerObservability, RequestMetricsAndTheRequestLog) {
  TempDir dir;
  std::ostringstream log;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(log);
  spdlog::default_logger()->sinks().push_back(sink);
  ApiServerOptions options;
  options.data_dir = dir.path() / "data";
  options.listen = "127.0.0.1:0";
  options.request_log = "all";
  auto server = ApiServer::start(options, ApiModel{test_model(), {}, nullptr, nullptr});
  ASSERT_TRUE(server) << server.error().to_string();
  const std::string kubectl = "kubectl --kubeconfig " + (*server)->kubeconfig_path().string() + " --cache-dir " +
                              (dir.path() / "cache").string() + " ";
  ASSERT_EQ(run_command(kubectl + "create configmap m --from-literal=k=v").exit_code, 0);
  ASSERT_EQ(run_command(kubectl + "get configmaps").exit_code, 0);
  EXPECT_EQ(run_command(kubectl + "get configmap nope").exit_code, 1);
  const std::string curl = "curl -sk -H 'Authorization: Bearer " + (*server)->token() + "' " + (*server)->url();
  run_command(curl + "/apis/made.up.example/v1/things" + std::string(200, 'x'));
  auto metrics = run_command(curl + "/metrics");
  spdlog::default_logger()->sinks().pop_back();

  const std::string list =
      R"(apiserver_request_total{code="200",component="apiserver",dry_run="",group="",resource="configmaps",)"
      R"(scope="namespace",subresource="",verb="LIST",version="v1"})";
  EXPECT_NE(metrics.out.find(list), std::string::npos) << metrics.out;
  EXPECT_NE(metrics.out.find(R"(apiserver_request_total{code="201",component="apiserver",dry_run="",group="",)"
                             R"(resource="configmaps",scope="namespace",subresource="",verb="POST",version="v1"})"),
            std::string::npos)
      << metrics.out;
  EXPECT_NE(metrics.out.find(R"(code="404",component="apiserver",dry_run="",group="",resource="configmaps",)"
                             R"(scope="resource",subresource="",verb="GET")"),
            std::string::npos)
      << metrics.out;
  // An unknown path is counted, but names nothing: a client cannot grow the series.
  EXPECT_EQ(metrics.out.find("made.up.example"), std::string::npos) << metrics.out;
  EXPECT_NE(metrics.out.find("apiserver_request_duration_seconds_bucket{"), std::string::npos);
  const auto file = dir.path() / "metrics.txt";
  std::ofstream(file) << metrics.out;
  auto checked = run_command("promtool check metrics < " + file.string());
  EXPECT_EQ(checked.exit_code, 0) << checked.out;

  const std::string lines = log.str();
  EXPECT_NE(lines.find("request LIST /api/v1/namespaces/default/configmaps"), std::string::npos) << lines;
  EXPECT_NE(lines.find("user=kthena-admin code=200"), std::string::npos) << lines;
  EXPECT_NE(lines.find("/configmaps/nope user=kthena-admin code=404"), std::string::npos) << lines;
  (*server)->shutdown();
}

// --insecure-http: no token, so the Host, Origin and Sec-Fetch-Site headers are what keep a web page (DNS rebinding,
// a form, a no-cors fetch of a typeless Blob) from writing to a loopback API server.
TEST(InsecureApiServer, RefusesForeignHostsAndBrowsers) {
  TempDir dir;
  ApiServerOptions options;
  options.data_dir = dir.path() / "data";
  options.listen = "127.0.0.1:0";
  options.tls = false;
  auto server = ApiServer::start(options, ApiModel{test_model(), {}, nullptr, nullptr});
  ASSERT_TRUE(server) << server.error().to_string();
  const std::string url = (*server)->url();
  auto code = [](const std::string& args) { return run_command("curl -s -o /dev/null -w '%{http_code}' " + args).out; };
  EXPECT_EQ(code(url + "/api/v1/namespaces"), "200");
  EXPECT_EQ(code("-H 'Host: localhost:6443' " + url + "/api/v1/namespaces"), "200");
  auto rebound = run_command("curl -s -H 'Host: attacker.example:6443' " + url + "/api/v1/namespaces");
  EXPECT_NE(rebound.out.find("\"code\":403"), std::string::npos) << rebound.out;
  EXPECT_NE(rebound.out.find("attacker.example:6443"), std::string::npos) << rebound.out;
  const std::string configmap = R"('{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"}}')";
  const std::string post = "-X POST " + url + "/api/v1/namespaces/default/configmaps --data-binary " + configmap;
  EXPECT_EQ(code("-H 'Content-Type: text/plain' " + post), "415");
  EXPECT_EQ(code("-H 'Content-Type: application/x-www-form-urlencoded' " + post), "415");
  auto page = run_command("curl -s -H 'Content-Type:' -H 'Origin: https://attacker.example' " + post);
  EXPECT_NE(page.out.find("\"code\":403"), std::string::npos) << page.out;
  EXPECT_NE(page.out.find("web browsers"), std::string::npos) << page.out;
  EXPECT_EQ(code("-H 'Content-Type:' -H 'Sec-Fetch-Site: cross-site' " + post), "403");
  // A command-line client without a Content-Type (kubectl's scale client) is read as JSON, as kube-apiserver does.
  EXPECT_EQ(code("-H 'Content-Type:' " + post), "201");
  (*server)->shutdown();
}

}  // namespace
}  // namespace kthena::apiserver
