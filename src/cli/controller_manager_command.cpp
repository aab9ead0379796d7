// `kthena controller-manager [--kubeconfig F] [--workers N] [--leader-elect] [--metrics-listen ADDR]`: the
// reconcilers of the platform (docs/controllers.md). Prints one line once its controllers run (or once it stands by
// for the lease), serves /metrics and /healthz, and stops on SIGINT or SIGTERM; it exits 1 when it loses the lease
// it held, as controller-runtime does, so that a supervisor restarts it as a candidate.
#include <csignal>
#include <fstream>
#include <iostream>

#include <spdlog/spdlog.h>

#include "cli/command.h"
#include "controllers/manager.h"
#include "http/reactor.h"
#include "http/server.h"
#include "kube/kubeconfig.h"

namespace kthena::cli {
namespace {

int run_controller_manager(const std::string& kubeconfig, controllers::ManagerOptions options,
                           const std::string& metrics_listen) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGUSR1);  // leadership lost (raised by the elector's callback)
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  // In a pod, its own namespace holds the booster controller's ConfigMap, as upstream reads it.
  if (std::ifstream ns_file("/var/run/secrets/kubernetes.io/serviceaccount/namespace"); ns_file) {
    std::string ns;
    if (std::getline(ns_file, ns) && !ns.empty()) options.config_namespace = ns;
  }
  auto config = kubeconfig.empty() ? kube::default_config() : kube::load_kubeconfig_file(kubeconfig);
  if (!config) {
    std::cerr << "controller-manager: " << config.error().to_string() << "\n";
    return 1;
  }
  auto client = kube::KubeClient::create(*config);
  if (!client) {
    std::cerr << "controller-manager: " << client.error().to_string() << "\n";
    return 1;
  }
  pthread_t main_thread = pthread_self();
  options.on_lost_leadership = [main_thread] { pthread_kill(main_thread, SIGUSR1); };
  auto manager = controllers::ControllerManager::create(*client, options);
  if (!manager) {
    std::cerr << "controller-manager: " << manager.error().to_string() << "\n";
    return 1;
  }

  http::ReactorPool pool(1);
  pool.start();
  std::unique_ptr<http::Server> metrics;
  if (!metrics_listen.empty()) {
    http::ServerOptions server_options;
    auto colon = metrics_listen.rfind(':');
    server_options.address = colon == std::string::npos ? "127.0.0.1" : metrics_listen.substr(0, colon);
    try {
      server_options.port = static_cast<uint16_t>(std::stoul(metrics_listen.substr(colon + 1)));
    } catch (const std::exception&) {
      std::cerr << "controller-manager: --metrics-listen: not host:port: \"" << metrics_listen << "\"\n";
      return 1;
    }
    controllers::ControllerManager* m = manager->get();
    auto server = http::Server::start(pool, server_options, [m](http::Exchange& ex) -> boost::asio::awaitable<void> {
      if (ex.path() == "/metrics") {
        co_await ex.respond(200, "text/plain; version=0.0.4; charset=utf-8", m->metrics_text());
      } else if (ex.path() == "/healthz" || ex.path() == "/readyz") {
        bool ok = m->healthy();
        co_await ex.respond(ok ? 200 : 503, "text/plain", ok ? "ok" : "stopped");
      } else {
        co_await ex.respond(404, "text/plain", "not found");
      }
    });
    if (!server) {
      std::cerr << "controller-manager: --metrics-listen " << metrics_listen << ": " << server.error().to_string()
                << "\n";
      return 1;
    }
    metrics = std::move(*server);
  }
  if (auto started = (*manager)->start(); !started) {
    std::cerr << "controller-manager: " << started.error().to_string() << "\n";
    return 1;
  }
  std::cout << "controller-manager started" << (metrics ? " metrics on port " + std::to_string(metrics->port()) : "")
            << (options.leader_elect ? " (leader election on)" : "") << std::endl;
  int sig = 0;
  sigwait(&signals, &sig);
  int code = sig == SIGUSR1 ? 1 : 0;
  spdlog::info("controller-manager: {}, shutting down", sig == SIGUSR1 ? "lost the lease" : "signal");
  (*manager)->stop();
  if (metrics) metrics->shutdown(std::chrono::seconds(1));
  pool.stop();
  return code;
}

}  // namespace

void add_controller_manager_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand(
      "controller-manager", "Run the ModelServing, ModelBooster and LeaderWorkerSet controllers against an API server");
  struct Flags {
    std::string kubeconfig;
    std::string metrics_listen = "127.0.0.1:8080";
    controllers::ManagerOptions options;
  };
  auto flags = std::make_shared<Flags>();
  cmd->add_option("--kubeconfig", flags->kubeconfig,
                  "Kubeconfig of the API server (default: $KUBECONFIG, ~/.kube/config, then in-cluster)");
  cmd->add_option("--workers", flags->options.workers, "Reconciles run at once per controller")
      ->capture_default_str()
      ->check(CLI::Range(1, 256));
  cmd->add_flag("--leader-elect", flags->options.leader_elect,
                "Run only while holding the Lease lease.kthena.controller-manager (several replicas, one active)");
  cmd->add_option("--leader-elect-namespace", flags->options.lease_namespace, "Namespace of the Lease")
      ->capture_default_str();
  cmd->add_option("--metrics-listen", flags->metrics_listen,
                  "host:port of /metrics and /healthz (port 0 picks one; empty: none)")
      ->capture_default_str();
  cmd->callback([flags, &exit_code] {
    exit_code = run_controller_manager(flags->kubeconfig, flags->options, flags->metrics_listen);
  });
}

}  // namespace kthena::cli
