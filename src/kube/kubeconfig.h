// kubeconfig files (the format kubectl reads) and the in-cluster service account, resolved to a RestConfig.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "api/json.h"
#include "common/result.h"
#include "kube/rest_config.h"

namespace kthena::kube {

// One parsed kubeconfig document and the directory relative file paths in it are resolved against.
struct Kubeconfig {
  Json document;
  std::filesystem::path base_dir;
};

// Parses kubeconfig text. Errors name the source and, for YAML errors, the line and column.
Result<Kubeconfig> parse_kubeconfig(std::string_view text, std::string_view source,
                                    const std::filesystem::path& base_dir);

// Merges several kubeconfigs as kubectl does with $KUBECONFIG=a:b: the first file that defines a cluster, user or
// context by a name wins, and the first non-empty current-context wins.
Kubeconfig merge_kubeconfigs(const std::vector<Kubeconfig>& configs);

// The config of `context` (empty: current-context). Errors name the missing context, cluster or user, or the
// unsupported auth method (exec plugins, auth providers, basic auth).
Result<RestConfig> resolve_kubeconfig(const Kubeconfig& config, std::string_view context = {});

// Reads and resolves one file.
Result<RestConfig> load_kubeconfig_file(const std::filesystem::path& path, std::string_view context = {});

// The service account a pod runs as: KUBERNETES_SERVICE_HOST/PORT and the token, CA and namespace mounted under
// `secrets_dir`. kNotFound when not running in a cluster.
Result<RestConfig> in_cluster_config(
    const std::filesystem::path& secrets_dir = "/var/run/secrets/kubernetes.io/serviceaccount");

// What clients do without flags: $KUBECONFIG (colon-separated), then ~/.kube/config, then in-cluster.
Result<RestConfig> default_config(std::string_view context = {});

// A kubeconfig with one cluster, user and context named `name`: CA data, bearer token, namespace "default".
std::string render_kubeconfig(std::string_view name, std::string_view server, std::string_view ca_pem,
                              std::string_view token);

}  // namespace kthena::kube
