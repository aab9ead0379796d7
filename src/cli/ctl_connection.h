// What every user command (get, describe, apply, delete, wait, logs, status) shares: the --kubeconfig, --context,
// -n and -A flags, the client they resolve to, and the error line every command prints the same way.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "common/result.h"
#include "kube/client.h"

namespace kthena::cli {

struct ConnectionFlags {
  std::string kubeconfig;
  std::string context;
  std::string ns;
  bool all_namespaces = false;
};

// Adds --kubeconfig, --context, -n/--namespace and, when `all_namespaces`, -A/--all-namespaces.
void add_connection_flags(CLI::App* cmd, ConnectionFlags& flags, bool all_namespaces);

struct Connection {
  std::shared_ptr<kube::KubeClient> client;
  std::string ns;            // -n, else the kubeconfig context's namespace
  bool ns_explicit = false;  // -n was given
  std::filesystem::path kubeconfig;
};

Result<Connection> connect(const ConnectionFlags& flags);

// "error: <message>" on stderr, as kubectl prints; returns the exit code 1.
int report(const Error& error);

// A Go duration as kubectl's --timeout takes it ("90s", "5m", "1h30m", "500ms"; a bare number is seconds).
Result<std::chrono::milliseconds> parse_duration(std::string_view text, std::string_view flag);

}  // namespace kthena::cli
