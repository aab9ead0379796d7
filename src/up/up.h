// `kthena up`: the whole platform on one machine (docs/up.md). The API server, the controller-manager, the node
// agent and the router run as one supervised process tree over a data directory; the manifests given are applied
// once the platform serves, and their models' progress is shown until they are Active.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <iosfwd>
#include <stop_token>
#include <string>
#include <vector>

namespace kthena::up {

// Where the running platform answers, as endpoints.json in the data directory records it.
struct Platform {
  std::filesystem::path kubeconfig;
  std::string api_url;     // https://127.0.0.1:6443
  std::string router_url;  // http://127.0.0.1:8080
};

struct UpOptions {
  std::filesystem::path kthena_binary;  // this executable: every component is one of its commands
  std::filesystem::path data_dir;       // default_data_dir() when empty
  std::string api_listen = "127.0.0.1:6443";
  std::string router_listen = "127.0.0.1:8080";
  std::filesystem::path node_config;      // empty: the simulation profile with a declared server
  std::vector<std::string> accelerators;  // RESOURCE=COUNT, added to (or replacing) the node's
  std::string capacity;                   // cpu=64,memory=512Gi
  bool loopback_network = false;
  // Runs on its own thread once every component serves (the command applies its manifests and follows their
  // models); the stop token is requested when `kthena up` stops.
  std::function<void(const Platform&, std::stop_token)> when_ready;
};

// /var/lib/kthena for root (the pods' unprivileged users must be able to reach their folders, which a home
// directory of mode 0700 forbids), ~/.kthena otherwise.
std::filesystem::path default_data_dir();

// Runs until SIGINT or SIGTERM (or a failure to start); the exit status of `kthena up`.
int run_up(const UpOptions& options, std::ostream& out, std::ostream& err);

}  // namespace kthena::up
