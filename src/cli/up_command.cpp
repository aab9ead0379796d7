// `kthena up [--data-dir DIR] [--api-listen A] [--router-listen A] [--node-config F] [--accelerator R=N]...
// [-f MANIFEST]...`: the whole platform on one machine (docs/up.md).
#include <iostream>

#include "cli/command.h"
#include "cli/up_manifests.h"
#include "up/up.h"

namespace kthena::cli {

void add_up_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand(
      "up", "Run the whole platform on this machine: API server, controllers, node agent and router (docs/up.md)");
  auto options = std::make_shared<up::UpOptions>();
  auto manifests = std::make_shared<std::vector<std::string>>();
  auto no_wait = std::make_shared<bool>(false);
  auto timeout = std::make_shared<int>(600);
  cmd->add_option("--data-dir", options->data_dir,
                  "State of the platform; a second `kthena up` on it resumes (default: /var/lib/kthena for root, "
                  "~/.kthena otherwise)");
  cmd->add_option("--api-listen", options->api_listen, "API server host:port (port 0 picks one)")
      ->capture_default_str();
  cmd->add_option("--router-listen", options->router_listen, "OpenAI-compatible endpoint host:port")
      ->capture_default_str();
  cmd->add_option("--node-config", options->node_config,
                  "Node config YAML (docs/node.md); without it the simulation profile runs on a declared server")
      ->check(CLI::ExistingFile);
  cmd->add_option("--accelerator", options->accelerators,
                  "Declared devices, repeatable: RESOURCE=COUNT (default with no node config: "
                  "huawei.com/ascend-1980=16 and nvidia.com/gpu=8)");
  cmd->add_option("--capacity", options->capacity,
                  "Declared cpu and memory (default with no node config: cpu=64,memory=512Gi)");
  cmd->add_flag("--loopback-network", options->loopback_network,
                "No network namespaces: pods get 127.x.y.z addresses (the default when not root)");
  cmd->add_option("-f,--filename", *manifests, "Manifests to apply once the platform serves (files, folders, -)");
  cmd->add_flag("--no-wait", *no_wait, "Apply the manifests without following their models until Active");
  cmd->add_option("--timeout", *timeout, "Seconds to follow the manifests' models until Active")->capture_default_str();
  cmd->callback([options, manifests, no_wait, timeout, &exit_code] {
    options->kthena_binary = std::filesystem::read_symlink("/proc/self/exe");
    auto objects = load_up_manifests(*manifests);
    if (!objects) {
      std::cerr << "kthena up: " << objects.error().to_string() << "\n";
      exit_code = 1;
      return;
    }
    if (!objects->empty()) {
      options->when_ready = [objects = std::move(*objects), wait = !*no_wait, seconds = std::chrono::seconds(*timeout)](
                                const up::Platform& platform, std::stop_token stop) {
        deploy_up_manifests(platform, objects, wait, seconds, std::cout, stop);
      };
    }
    exit_code = up::run_up(*options, std::cout, std::cerr);
  });
}

}  // namespace kthena::cli
