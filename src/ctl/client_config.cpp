#include "ctl/client_config.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "kube/kubeconfig.h"

namespace kthena::ctl {
namespace fs = std::filesystem;

ConfigEnvironment process_environment(std::string kubeconfig_flag, std::string context) {
  ConfigEnvironment env;
  env.kubeconfig_flag = std::move(kubeconfig_flag);
  env.context = std::move(context);
  if (const char* value = std::getenv("KUBECONFIG")) env.kubeconfig_env = value;
  if (const char* value = std::getenv("HOME")) env.home = value;
  return env;
}

Result<std::vector<fs::path>> kubeconfig_files(const ConfigEnvironment& env) {
  std::error_code ec;
  if (!env.kubeconfig_flag.empty()) {
    if (!fs::exists(env.kubeconfig_flag, ec)) {
      return fail(ErrorCode::kNotFound, "no such file", "--kubeconfig " + env.kubeconfig_flag);
    }
    return std::vector<fs::path>{env.kubeconfig_flag};
  }
  if (!env.kubeconfig_env.empty()) {
    std::vector<fs::path> files;
    std::string_view list(env.kubeconfig_env);
    size_t start = 0;
    while (start <= list.size()) {
      size_t end = list.find(':', start);
      auto part = list.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
      if (!part.empty() && fs::exists(part, ec)) files.emplace_back(part);
      if (end == std::string_view::npos) break;
      start = end + 1;
    }
    if (files.empty()) return fail(ErrorCode::kNotFound, "none of its files exists", "$KUBECONFIG");
    return files;
  }
  if (!env.home.empty()) {
    for (fs::path candidate :
         {fs::path(env.home) / ".kube" / "config", fs::path(env.home) / ".kthena" / "kubeconfig"}) {
      if (fs::exists(candidate, ec)) return std::vector<fs::path>{candidate};
    }
  }
  return std::vector<fs::path>{};
}

Result<ClientConfig> load_client_config(const ConfigEnvironment& env) {
  auto files = kubeconfig_files(env);
  if (!files) return fail(files.error());
  if (files->empty()) {
    return fail(ErrorCode::kNotFound,
                "no kubeconfig: pass --kubeconfig, set $KUBECONFIG, or start the platform with `kthena up` (it writes "
                "~/.kthena/kubeconfig)");
  }
  std::vector<kube::Kubeconfig> configs;
  for (const fs::path& file : *files) {
    std::ifstream in(file);
    if (!in) return fail(ErrorCode::kIo, "cannot read", file.string());
    std::stringstream text;
    text << in.rdbuf();
    auto config = kube::parse_kubeconfig(text.str(), file.string(), file.parent_path());
    if (!config) return fail(config.error());
    configs.push_back(std::move(*config));
  }
  auto rest = kube::resolve_kubeconfig(kube::merge_kubeconfigs(configs), env.context);
  if (!rest) return fail(rest.error());
  return ClientConfig{std::move(*rest), files->front()};
}

}  // namespace kthena::ctl
