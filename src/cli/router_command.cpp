// `kthena router`: the OpenAI-compatible, model-aware data plane (docs/router.md).
#include <csignal>
#include <cstdlib>
#include <iostream>

#include "api/types/go_duration.h"
#include "cli/command.h"
#include "common/log.h"
#include "router/server/router_server.h"

namespace kthena::cli {
namespace {

// A positive Go duration from the environment, or `fallback` (with a warning when the value is unusable).
std::chrono::nanoseconds env_duration(const char* name, std::chrono::nanoseconds fallback) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') return fallback;
  auto d = api::parse_go_duration(value);
  if (!d || d->count() <= 0) {
    spdlog::warn("{}={} is not a positive duration; using {}", name, value, api::format_go_duration(fallback));
    return fallback;
  }
  return *d;
}

// A duration flag in Go's syntax ("10s", "5m", "1h30m"), as upstream's flags and the environment take them.
void add_duration_flag(CLI::App* cmd, const std::string& name, std::chrono::milliseconds& target,
                       const std::string& description) {
  std::string fallback = api::format_go_duration(target);
  cmd->add_option_function<std::string>(
         name,
         [&target, name](const std::string& text) {
           auto d = api::parse_go_duration(text);
           if (!d || d->count() <= 0) {
             throw CLI::ValidationError(name, "\"" + text + "\" is not a positive duration (e.g. 30s, 5m)");
           }
           target = std::chrono::duration_cast<std::chrono::milliseconds>(*d);
         },
         description)
      ->default_str(fallback);
}

int run_router(router::RouterServerOptions options, const std::string& kubeconfig, bool kube_mode) {
  if (kube_mode) options.kubeconfig = kubeconfig;
  options.control.scrape_interval = env_duration("METRICS_SCRAPE_INTERVAL", std::chrono::seconds(1));
  options.drain_timeout =
      std::chrono::duration_cast<std::chrono::milliseconds>(env_duration("DRAIN_TIMEOUT", std::chrono::minutes(5)));

  // Every thread the server starts inherits this mask, so SIGINT/SIGTERM reach only the sigwait below.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto server = router::RouterServer::start(std::move(options));
  if (!server) {
    std::cerr << "kthena router: " << server.error().to_string() << "\n";
    return 1;
  }
  spdlog::info("router: inference listener on port {}, metrics on port {}, debug on port {}", (*server)->port(),
               (*server)->metrics_port(), (*server)->debug_port());
  int received = 0;
  sigwait(&signals, &received);
  spdlog::info("router: {} received, draining", received == SIGINT ? "SIGINT" : "SIGTERM");
  (*server)->shutdown();
  return 0;
}

}  // namespace

void add_router_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("router", "Route OpenAI-style inference requests to model servers");
  auto options = std::make_shared<router::RouterServerOptions>();
  auto kubeconfig = std::make_shared<std::string>();
  auto* kube =
      cmd->add_option("--kubeconfig", *kubeconfig, "Watch ModelRoutes, ModelServers and Pods through this kubeconfig");
  auto* file =
      cmd->add_option("--static", options->control.static_file,
                      "Serve the ModelRoutes, ModelServers and Pods of this YAML file (reloaded when it changes)")
          ->check(CLI::ExistingFile);
  kube->excludes(file);
  file->excludes(kube);
  cmd->add_option("--listen", options->listen, "Inference listener host:port")->default_val("127.0.0.1:8080");
  cmd->add_option("--config", options->control.config_file,
                  "Router configuration (scheduler plugins, auth); reloaded when it changes")
      ->check(CLI::ExistingFile);
  cmd->add_option("--metrics-listen", options->metrics_listen,
                  "Prometheus /metrics listener host:port (\"\" to disable)")
      ->default_val("127.0.0.1:9090");
  cmd->add_option("--debug-listen", options->debug_listen, "Debug listener host:port (\"\" to disable)")
      ->default_val("127.0.0.1:15000");
  cmd->add_flag("--expose-metrics-on-router-port", options->expose_metrics_on_router_port,
                "Also serve /metrics on the inference listener");
  cmd->add_option("--threads", options->threads, "Worker threads (0: one per core)")
      ->default_val(0)
      ->check(CLI::Range(size_t{0}, router::kMaxWorkerThreads));
  cmd->add_option("--max-body-size", options->max_body_size, "Largest request body in bytes")
      ->default_val(64 * 1024 * 1024);
  cmd->add_option("--max-connections", options->max_connections,
                  "Client connections at once; beyond it new ones are closed at once (0: unlimited)")
      ->default_val(options->max_connections);
  cmd->add_option("--max-buffered-bytes", options->max_buffered_bytes,
                  "Bytes of request heads and bodies held for all clients together; a request that would need more "
                  "gets 503 (0: unlimited)")
      ->default_val(options->max_buffered_bytes);
  cmd->add_option("--max-json-depth", options->max_json_depth, "Deepest nesting of a request body's JSON")
      ->default_val(options->max_json_depth)
      ->check(CLI::Range(size_t{2}, size_t{10000}));
  add_duration_flag(cmd, "--header-timeout", options->header_timeout,
                    "A request head must arrive whole within this (slowloris clients are cut off)");
  add_duration_flag(cmd, "--body-timeout", options->body_timeout,
                    "A request body must arrive whole within this after its head");
  add_duration_flag(cmd, "--idle-timeout", options->idle_timeout, "A kept-alive client connection may idle this long");
  add_duration_flag(cmd, "--upstream-connect-timeout", options->upstream_connect_timeout,
                    "Each attempt's connection to a pod must be made within this");
  add_duration_flag(cmd, "--upstream-header-timeout", options->upstream_header_timeout,
                    "A pod must start its answer within this (ModelServer trafficPolicy.timeout replaces it)");
  add_duration_flag(cmd, "--upstream-idle-timeout", options->upstream_idle_timeout,
                    "A pod's answer may pause this long between pieces before it is cut off");
  cmd->callback([options, kubeconfig, kube, file, &exit_code] {
    if (kube->count() == 0 && file->count() == 0) {
      std::cerr << "kthena router: one of --kubeconfig or --static is required\n";
      exit_code = 2;
      return;
    }
    exit_code = run_router(*options, *kubeconfig, kube->count() > 0);
  });
}

}  // namespace kthena::cli
