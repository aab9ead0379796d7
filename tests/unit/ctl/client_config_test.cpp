#include "ctl/client_config.h"

#include <fstream>

#include <gtest/gtest.h>

#include "kube/kubeconfig.h"
#include "unit/apiserver/storage/temp_dir.h"

namespace kthena::ctl {
namespace {

namespace fs = std::filesystem;

void write_kubeconfig(const fs::path& path, const std::string& server) {
  fs::create_directories(path.parent_path());
  std::ofstream(path) << kube::render_kubeconfig("c", server, "", "token");
}

TEST(KubeconfigFiles, FlagThenEnvThenKubeThenKthena) {
  ::kthena::testing::TempDir dir;
  const fs::path home = dir.path() / "home";
  ConfigEnvironment env;
  env.home = home.string();
  auto none = kubeconfig_files(env);
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
  auto missing = load_client_config(env);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("kthena up"), std::string::npos);

  write_kubeconfig(home / ".kthena" / "kubeconfig", "https://127.0.0.1:1");
  EXPECT_EQ(kubeconfig_files(env)->front(), home / ".kthena" / "kubeconfig");
  write_kubeconfig(home / ".kube" / "config", "https://127.0.0.1:2");
  EXPECT_EQ(kubeconfig_files(env)->front(), home / ".kube" / "config");
  const fs::path a = dir.path() / "a", b = dir.path() / "b";
  write_kubeconfig(b, "https://127.0.0.1:3");
  env.kubeconfig_env = a.string() + ":" + b.string();  // a does not exist: skipped, as kubectl does
  EXPECT_EQ(*kubeconfig_files(env), std::vector<fs::path>{b});
  auto loaded = load_client_config(env);
  ASSERT_TRUE(loaded) << loaded.error().to_string();
  EXPECT_EQ(loaded->rest.server, "https://127.0.0.1:3");
  EXPECT_EQ(loaded->kubeconfig, b);
  EXPECT_EQ(loaded->rest.ns, "default");
  env.kubeconfig_flag = (home / ".kthena" / "kubeconfig").string();
  EXPECT_EQ(load_client_config(env)->rest.server, "https://127.0.0.1:1");
  env.kubeconfig_flag = a.string();
  auto flag_missing = kubeconfig_files(env);
  ASSERT_FALSE(flag_missing);
  EXPECT_EQ(flag_missing.error().field, "--kubeconfig " + a.string());
  env.kubeconfig_flag.clear();
  env.kubeconfig_env = a.string();
  EXPECT_FALSE(kubeconfig_files(env));
}

}  // namespace
}  // namespace kthena::ctl
