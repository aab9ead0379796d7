// `kthena status [-n NS]`: one screen with every model (each ModelBooster, and each ModelServing no booster owns):
// STATUS, the conditions that hold, pods ready/total, the model name its route serves, and the router's requests
// per second for it, sampled one second apart from the router `kthena up` started (endpoints.json beside the
// kubeconfig); "?" when that is unknown.
#include <iostream>
#include <memory>

#include "cli/command.h"
#include "cli/ctl_connection.h"
#include "ctl/status.h"

namespace kthena::cli {
namespace {

int status(const ConnectionFlags& flags) {
  auto connection = connect(flags);
  if (!connection) return report(connection.error());
  const std::string ns = flags.ns.empty() ? std::string() : connection->ns;  // every namespace unless -n
  auto rows = ctl::collect_status(*connection->client, ns);
  if (!rows) return report(rows.error());
  std::cout << "API server:  " << connection->client->config().server << "  (kubeconfig "
            << connection->kubeconfig.string() << ")\n";
  auto endpoints = ctl::read_endpoints(connection->kubeconfig.parent_path() / "endpoints.json");
  std::string rate_note;
  if (!endpoints) {
    rate_note = "request rate unknown: " + endpoints.error().to_string();
  } else if (!*endpoints || (*endpoints)->router_metrics.empty()) {
    rate_note = "request rate unknown: no endpoints.json beside the kubeconfig (written by kthena up)";
  } else {
    std::cout << "Router:      " << (*endpoints)->router << "  (metrics " << (*endpoints)->router_metrics << ")\n";
    auto rates = ctl::sample_request_rates((*endpoints)->router_metrics, std::chrono::seconds(1));
    if (rates) {
      ctl::attach_rates(*rows, *rates);
    } else {
      rate_note = "request rate unknown: " + rates.error().to_string();
    }
  }
  std::cout << "\n";
  ctl::print_status(std::cout, *rows);
  if (!rate_note.empty()) std::cout << "\n" << rate_note << "\n";
  return 0;
}

}  // namespace

void add_status_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("status", "Every model at a glance: conditions, pods, route, request rate");
  auto flags = std::make_shared<ConnectionFlags>();
  add_connection_flags(cmd, *flags, false);
  cmd->callback([&exit_code, flags] { exit_code = status(*flags); });
}

}  // namespace kthena::cli
