// `kthena node [--kubeconfig F] [--data-dir DIR] [--config node.yaml] [--accelerator R=N]... [--capacity R=Q,...]`:
// the embedded node agent (docs/node.md). Prints one line once the node is registered and stops on SIGINT or
// SIGTERM; the pods' processes end with it, and a restarted agent brings them back.
#include <cctype>
#include <csignal>
#include <fstream>
#include <iostream>
#include <sstream>

#include <unistd.h>

#include <spdlog/spdlog.h>

#include "api/codec/yaml_decoder.h"
#include "api/values/quantity.h"
#include "cli/command.h"
#include "kube/kubeconfig.h"
#include "node/binary_stage.h"
#include "node/node_agent.h"

namespace kthena::cli {
namespace {

struct NodeFlags {
  std::string kubeconfig;
  std::string config;
  std::string data_dir;
  std::string name;
  std::vector<std::string> accelerators;  // "huawei.com/ascend-1980=16"
  std::string capacity;                   // "cpu=64,memory=512Gi"
  std::string pod_subnet;
  std::string logs_listen = "127.0.0.1:0";
  bool loopback = false;
};

Result<int64_t> milli_of(const std::string& text, const std::string& field) {
  auto q = api::Quantity::parse(text);
  if (!q) return fail(ErrorCode::kInvalid, q.error().message, field);
  return q->milli_value();
}

// The node config (docs/node.md): name, capacity, accelerators, labels, images, runAs, allowRoot, hostPaths,
// hostPathRoot, podSubnet, bridge. Unknown keys are an error naming them, as a typo must not pass silently.
Result<void> apply_config(const Json& config, node::NodeAgentOptions& o) {
  if (!config.is_object()) return fail(ErrorCode::kInvalid, "the node config must be a mapping");
  for (const auto& [key, value] : config.items()) {
    if (key == "name") {
      o.node_name = value.get<std::string>();
    } else if (key == "capacity" || key == "accelerators") {
      if (!value.is_object()) return fail(ErrorCode::kInvalid, "must be a mapping", key);
      for (const auto& [resource, amount] : value.items()) {
        std::string field = key + "." + resource;
        if (key == "accelerators") {
          if (!amount.is_number_integer() || amount.get<int>() < 0) {
            return fail(ErrorCode::kInvalid, "must be a count of devices", field);
          }
          o.accelerators[resource] = amount.get<int>();
        } else {
          auto milli = milli_of(amount.is_string() ? amount.get<std::string>() : amount.dump(), field);
          if (!milli) return fail(milli.error());
          o.capacity[resource] = *milli;
        }
      }
    } else if (key == "labels") {
      o.labels = value;
    } else if (key == "images") {
      auto catalog = node::ImageCatalog::from_config(value, node::ImageCatalog::simulation(o.kthena_binary));
      if (!catalog) return fail(catalog.error());
      o.images = std::move(*catalog);
    } else if (key == "runAs") {
      o.default_uid = value.value("uid", o.default_uid);
      o.default_gid = value.value("gid", o.default_gid);
    } else if (key == "allowRoot") {
      o.allow_root = value.get<bool>();
    } else if (key == "hostPaths") {
      o.host_paths = value.get<std::vector<std::string>>();
    } else if (key == "hostPathRoot") {
      o.host_path_root = value.get<std::string>();
    } else if (key == "podSubnet") {
      o.network.subnet = value.get<std::string>();
    } else if (key == "bridge") {
      o.network.bridge = value.get<std::string>();
    } else {
      return fail(ErrorCode::kInvalid, "unknown key", key);
    }
  }
  return {};
}

int run_node(const NodeFlags& flags) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  node::NodeAgentOptions options;
  options.kthena_binary = std::filesystem::read_symlink("/proc/self/exe");
  // Absolute: containers run in folders of their own, and generated configs name paths under it.
  options.data_dir = std::filesystem::absolute(flags.data_dir);
  if (::geteuid() == 0) {
    // Pods run as an unprivileged user, who may not reach where this binary was built (node/binary_stage.h).
    auto staged = node::stage_binary_for_pods(options.kthena_binary, options.data_dir);
    if (!staged) {
      std::cerr << "node: " << staged.error().to_string() << "\n";
      return 1;
    }
    options.kthena_binary = *staged;
  }
  if (!flags.config.empty()) {
    std::ifstream in(flags.config);
    if (!in) {
      std::cerr << "node: --config " << flags.config << ": cannot read it\n";
      return 1;
    }
    std::stringstream text;
    text << in.rdbuf();
    auto config = api::decode_document(text.str(), flags.config);
    if (!config) {
      std::cerr << "node: " << config.error().to_string() << "\n";
      return 1;
    }
    try {
      if (auto applied = apply_config(*config, options); !applied) {
        std::cerr << "node: " << flags.config << ": " << applied.error().to_string() << "\n";
        return 1;
      }
    } catch (const Json::exception& e) {
      std::cerr << "node: " << flags.config << ": a value has the wrong type: " << e.what() << "\n";
      return 1;
    }
  }
  if (!flags.name.empty()) options.node_name = flags.name;
  for (const std::string& a : flags.accelerators) {
    auto eq = a.find('=');
    int count = -1;
    if (eq != std::string::npos) {
      try {
        count = std::stoi(a.substr(eq + 1));
      } catch (...) {
      }
    }
    if (eq == std::string::npos || count < 0) {
      std::cerr << "node: --accelerator " << a << ": want RESOURCE=COUNT, e.g. huawei.com/ascend-1980=16\n";
      return 1;
    }
    options.accelerators[a.substr(0, eq)] = count;
  }
  std::stringstream caps(flags.capacity);
  for (std::string item; std::getline(caps, item, ',');) {
    auto eq = item.find('=');
    auto milli = eq == std::string::npos ? Result<int64_t>(fail(ErrorCode::kInvalid, "want RESOURCE=QUANTITY"))
                                         : milli_of(item.substr(eq + 1), "--capacity " + item);
    if (!milli) {
      std::cerr << "node: --capacity " << item << ": " << milli.error().message << "\n";
      return 1;
    }
    options.capacity[item.substr(0, eq)] = *milli;
  }
  if (!flags.pod_subnet.empty()) options.network.subnet = flags.pod_subnet;
  // Network namespaces are named after the bridge, so that two agents on one host (a test beside a running node)
  // never collect each other's.
  options.network.netns_prefix = options.network.bridge + "-";
  options.network.loopback_only = flags.loopback;

  auto config = flags.kubeconfig.empty() ? kube::default_config() : kube::load_kubeconfig_file(flags.kubeconfig);
  if (!config) {
    std::cerr << "node: " << config.error().to_string() << "\n";
    return 1;
  }
  // The kubelet endpoint asks callers for the agent's own credentials: the API server, which made them, has them.
  options.logs_listen = flags.logs_listen;
  options.token = config->bearer_token;
  if (!config->bearer_token_file.empty()) {
    std::ifstream token_file(config->bearer_token_file);
    std::stringstream token;
    token << token_file.rdbuf();
    options.token = token.str();
    while (!options.token.empty() && std::isspace(static_cast<unsigned char>(options.token.back())))
      options.token.pop_back();
    if (!token_file || options.token.empty()) {
      std::cerr << "node: token file " << config->bearer_token_file << ": cannot read a token from it\n";
      return 1;
    }
  }
  auto client = kube::KubeClient::create(*config);
  if (!client) {
    std::cerr << "node: " << client.error().to_string() << "\n";
    return 1;
  }
  auto agent = node::NodeAgent::start(*client, options);
  if (!agent) {
    std::cerr << "node: " << agent.error().to_string() << "\n";
    return 1;
  }
  std::cout << "node " << (*agent)->name() << " started" << std::endl;
  int sig = 0;
  sigwait(&signals, &sig);
  spdlog::info("node: signal, stopping");
  (*agent)->stop();
  return 0;
}

}  // namespace

void add_node_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("node", "Run pods on this machine: the embedded node agent (kubelet and scheduler)");
  auto flags = std::make_shared<NodeFlags>();
  flags->data_dir = "/var/lib/kthena/node";
  cmd->add_option("--kubeconfig", flags->kubeconfig,
                  "Kubeconfig of the API server (default: $KUBECONFIG, ~/.kube/config, then in-cluster)");
  cmd->add_option("--data-dir", flags->data_dir, "Pods' folders, logs, volumes and network records")
      ->capture_default_str();
  cmd->add_option("--config", flags->config, "Node config YAML (capacity, accelerators, images, users; docs/node.md)");
  cmd->add_option("--name", flags->name, "Node name (default: the host name)");
  cmd->add_option("--accelerator", flags->accelerators,
                  "Declared devices, repeatable: RESOURCE=COUNT (huawei.com/ascend-1980=16, nvidia.com/gpu=8)");
  cmd->add_option("--capacity", flags->capacity, "Declared capacity instead of the machine's: cpu=64,memory=512Gi");
  cmd->add_option("--pod-subnet", flags->pod_subnet, "Pod addresses (default 10.244.0.0/16)");
  cmd->add_option("--logs-listen", flags->logs_listen,
                  "The kubelet endpoint the API server reads container logs from (HOST:PORT; port 0 picks one, "
                  "published in the Node)")
      ->capture_default_str();
  cmd->add_flag("--loopback-network", flags->loopback,
                "No network namespaces: pods get 127.x.y.z addresses on the host's network");
  cmd->callback([flags, &exit_code] { exit_code = run_node(*flags); });
}

}  // namespace kthena::cli
