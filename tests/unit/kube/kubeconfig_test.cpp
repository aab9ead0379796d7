#include "kube/kubeconfig.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>

#include <gtest/gtest.h>

#include "common/base64.h"

namespace kthena::kube {
namespace {

class KubeconfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device rd;
    dir_ = std::filesystem::temp_directory_path() / ("kthena-kubeconfig-" + std::to_string(rd()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path write(const std::string& name, const std::string& text) {
    auto path = dir_ / name;
    std::ofstream(path) << text;
    return path;
  }
  std::filesystem::path dir_;
};

TEST_F(KubeconfigTest, ResolvesTheCurrentContext) {
  write("ca.pem", "CA-PEM");
  auto path = write("config", R"(
apiVersion: v1
kind: Config
current-context: dev
clusters:
- name: c1
  cluster: {server: "https://10.0.0.1:6443/", certificate-authority: ca.pem, tls-server-name: api.local}
- name: c2
  cluster: {server: "https://10.0.0.2:6443", insecure-skip-tls-verify: true}
users:
- name: u1
  user: {token: abc}
- name: u2
  user: {client-certificate-data: )" +
                                  base64_encode("CERT") + R"(, client-key-data: )" + base64_encode("KEY") + R"(}
contexts:
- name: dev
  context: {cluster: c1, user: u1, namespace: team}
- name: prod
  context: {cluster: c2, user: u2}
)");
  auto dev = load_kubeconfig_file(path);
  ASSERT_TRUE(dev) << dev.error().to_string();
  EXPECT_EQ(dev->server, "https://10.0.0.1:6443");
  EXPECT_EQ(dev->ca_pem, "CA-PEM");
  EXPECT_EQ(dev->bearer_token, "abc");
  EXPECT_EQ(dev->ns, "team");
  EXPECT_EQ(dev->tls_server_name, "api.local");
  auto prod = load_kubeconfig_file(path, "prod");
  ASSERT_TRUE(prod) << prod.error().to_string();
  EXPECT_TRUE(prod->insecure_skip_tls_verify);
  EXPECT_EQ(prod->client_cert_pem, "CERT");
  EXPECT_EQ(prod->client_key_pem, "KEY");
  EXPECT_EQ(prod->ns, "default");
  auto missing = load_kubeconfig_file(path, "nope");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message, "context \"nope\" not found");
}

TEST_F(KubeconfigTest, ErrorsNameWhatIsWrong) {
  auto exec = write("exec", R"(
current-context: x
clusters: [{name: c, cluster: {server: "https://h"}}]
users: [{name: u, user: {exec: {command: aws}}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
)");
  auto r = load_kubeconfig_file(exec);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("\"exec\" authentication is not supported"), std::string::npos);
  auto broken = write("broken", "clusters: [\n");
  auto b = load_kubeconfig_file(broken);
  ASSERT_FALSE(b);
  EXPECT_NE(b.error().field.find("broken:"), std::string::npos) << b.error().to_string();
  auto bad_data = write("bad", R"(
current-context: x
clusters: [{name: c, cluster: {server: "https://h", certificate-authority-data: "%%%"}}]
contexts: [{name: x, context: {cluster: c}}]
)");
  auto d = load_kubeconfig_file(bad_data);
  ASSERT_FALSE(d);
  EXPECT_NE(d.error().to_string().find("certificate-authority-data: illegal base64 data at input byte 0"),
            std::string::npos)
      << d.error().to_string();
}

TEST_F(KubeconfigTest, MergesLikeKubectlFirstDefinitionWins) {
  auto a = parse_kubeconfig(R"(
clusters: [{name: c, cluster: {server: "https://first"}}]
contexts: [{name: x, context: {cluster: c}}]
)",
                            "a", dir_);
  auto b = parse_kubeconfig(R"(
current-context: x
clusters: [{name: c, cluster: {server: "https://second"}}, {name: d, cluster: {server: "https://d"}}]
)",
                            "b", dir_);
  ASSERT_TRUE(a && b);
  auto merged = merge_kubeconfigs({*a, *b});
  auto config = resolve_kubeconfig(merged);
  ASSERT_TRUE(config) << config.error().to_string();
  EXPECT_EQ(config->server, "https://first");
  EXPECT_EQ(merged.document["clusters"].size(), 2u);
}

TEST_F(KubeconfigTest, InClusterConfigComesFromTheEnvironmentAndTheMountedSecret) {
  std::filesystem::create_directories(dir_ / "sa");
  write("sa/token", "sa-token");
  write("sa/ca.crt", "SA-CA");
  write("sa/namespace", "kthena-system");
  setenv("KUBERNETES_SERVICE_HOST", "fd00::1", 1);
  setenv("KUBERNETES_SERVICE_PORT", "443", 1);
  auto config = in_cluster_config(dir_ / "sa");
  unsetenv("KUBERNETES_SERVICE_HOST");
  unsetenv("KUBERNETES_SERVICE_PORT");
  ASSERT_TRUE(config) << config.error().to_string();
  EXPECT_EQ(config->server, "https://[fd00::1]:443");
  EXPECT_EQ(config->bearer_token, "sa-token");
  EXPECT_EQ(config->bearer_token_file, (dir_ / "sa/token").string());
  EXPECT_EQ(config->ns, "kthena-system");
  EXPECT_FALSE(in_cluster_config(dir_ / "sa"));
}

TEST_F(KubeconfigTest, RenderedKubeconfigReadsBackAndKubectlAcceptsIt) {
  auto path = write("rendered", render_kubeconfig("kthena", "https://127.0.0.1:6443", "PEM\n", "tok"));
  auto config = load_kubeconfig_file(path);
  ASSERT_TRUE(config) << config.error().to_string();
  EXPECT_EQ(config->ca_pem, "PEM\n");
  EXPECT_EQ(config->bearer_token, "tok");
  std::string command =
      "kubectl config view --raw -o jsonpath='{.users[0].user.token}' --kubeconfig " + path.string() + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  char buffer[256] = {};
  std::string out;
  while (fgets(buffer, sizeof(buffer), pipe) != nullptr) out += buffer;
  pclose(pipe);
  EXPECT_EQ(out, "tok");
}

TEST(Base64Test, RoundTripsAndRejectsGarbage) {
  for (const std::string& s : std::vector<std::string>{"", "a", "ab", "abc", "abcd", std::string("\0\xff\x10", 3)}) {
    auto decoded = base64_decode(base64_encode(s));
    ASSERT_TRUE(decoded);
    EXPECT_EQ(*decoded, s);
  }
  EXPECT_EQ(base64_encode("hi!"), "aGkh");
  EXPECT_EQ(*base64_decode("aGk\n"), "hi");
  EXPECT_FALSE(base64_decode("a*b"));
}

}  // namespace
}  // namespace kthena::kube
