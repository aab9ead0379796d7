#include "cli/ctl_connection.h"

#include <cmath>
#include <cstdlib>
#include <iostream>

#include "ctl/client_config.h"

namespace kthena::cli {

void add_connection_flags(CLI::App* cmd, ConnectionFlags& flags, bool all_namespaces) {
  cmd->add_option("--kubeconfig", flags.kubeconfig,
                  "The kubeconfig (default: $KUBECONFIG, ~/.kube/config, then ~/.kthena/kubeconfig of kthena up)");
  cmd->add_option("--context", flags.context, "The kubeconfig context (default: its current-context)");
  cmd->add_option("-n,--namespace", flags.ns, "The namespace (default: the context's, else default)");
  if (all_namespaces) cmd->add_flag("-A,--all-namespaces", flags.all_namespaces, "Every namespace");
}

Result<Connection> connect(const ConnectionFlags& flags) {
  auto config = ctl::load_client_config(ctl::process_environment(flags.kubeconfig, flags.context));
  if (!config) return fail(config.error());
  Connection connection;
  connection.ns = flags.ns.empty() ? config->rest.ns : flags.ns;
  if (connection.ns.empty()) connection.ns = "default";
  connection.ns_explicit = !flags.ns.empty();
  connection.kubeconfig = config->kubeconfig;
  config->rest.user_agent = "kthena-cli";
  auto client = kube::KubeClient::create(config->rest);
  if (!client) return fail(client.error());
  connection.client = std::move(*client);
  return connection;
}

int report(const Error& error) {
  std::cerr << "error: " << error.to_string() << "\n";
  return 1;
}

Result<std::chrono::milliseconds> parse_duration(std::string_view text, std::string_view flag) {
  auto bad = [&] {
    return fail(ErrorCode::kInvalid, "invalid duration \"" + std::string(text) + "\" (examples: 30s, 5m, 1h30m, 500ms)",
                std::string(flag));
  };
  if (text.empty()) return bad();
  if (text.find_first_not_of("0123456789") == std::string_view::npos) {
    return std::chrono::milliseconds(std::atoll(std::string(text).c_str()) * 1000);
  }
  double total_ms = 0;
  size_t i = 0;
  while (i < text.size()) {
    size_t start = i;
    while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) ++i;
    if (i == start) return bad();
    const double number = std::atof(std::string(text.substr(start, i - start)).c_str());
    size_t unit_start = i;
    while (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i]))) ++i;
    std::string_view unit = text.substr(unit_start, i - unit_start);
    if (unit == "ms") {
      total_ms += number;
    } else if (unit == "s") {
      total_ms += number * 1000;
    } else if (unit == "m") {
      total_ms += number * 60'000;
    } else if (unit == "h") {
      total_ms += number * 3'600'000;
    } else {
      return bad();
    }
  }
  return std::chrono::milliseconds(static_cast<int64_t>(std::llround(total_ms)));
}

}  // namespace kthena::cli
