// Which API server the CLI talks to: --kubeconfig, then $KUBECONFIG (colon-separated files, merged as kubectl
// merges them), then ~/.kube/config, then ~/.kthena/kubeconfig (where `kthena up` writes it by default). The
// folder of the kubeconfig used is where `kthena up` also writes endpoints.json, which `kthena status` reads.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "common/result.h"
#include "kube/rest_config.h"

namespace kthena::ctl {

// What the discovery reads from the process, passed in so that tests need no environment.
struct ConfigEnvironment {
  std::string kubeconfig_flag;  // --kubeconfig ("" when not given)
  std::string kubeconfig_env;   // $KUBECONFIG
  std::string home;             // $HOME
  std::string context;          // --context ("" : current-context)
};

// The process's environment with the given flags.
ConfigEnvironment process_environment(std::string kubeconfig_flag, std::string context = {});

// The kubeconfig files to read, in precedence order; empty when none exists. A --kubeconfig that does not exist is
// an error (as kubectl's is), so is a $KUBECONFIG none of whose files exist.
Result<std::vector<std::filesystem::path>> kubeconfig_files(const ConfigEnvironment& env);

struct ClientConfig {
  kube::RestConfig rest;
  std::filesystem::path kubeconfig;  // the first file read
};

// The config to connect with; kNotFound says where it looked and suggests `kthena up`.
Result<ClientConfig> load_client_config(const ConfigEnvironment& env);

}  // namespace kthena::ctl
