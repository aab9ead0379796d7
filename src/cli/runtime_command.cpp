// `kthena runtime`: the sidecar a ModelBooster puts beside each engine (docs/runtime.md). Flags as upstream's
// `python kthena/runtime/app.py`, so that the container arguments the booster generates run unchanged.
#include <array>
#include <csignal>
#include <cstdlib>
#include <iostream>

#include <spdlog/spdlog.h>

#include "cli/command.h"
#include "runtime/runtime_server.h"

namespace kthena::cli {
namespace {

// REQUEST_TIMEOUT in seconds, as upstream's httpx client takes it (a float); 30 s when unset or unusable.
std::chrono::milliseconds request_timeout() {
  constexpr std::chrono::milliseconds kDefault{30000};
  const char* value = std::getenv("REQUEST_TIMEOUT");
  if (value == nullptr || *value == '\0') return kDefault;
  char* end = nullptr;
  double seconds = std::strtod(value, &end);
  if (end == value || *end != '\0' || !(seconds > 0) || seconds > 86400) {
    spdlog::warn("runtime: REQUEST_TIMEOUT={} is not a positive number of seconds; using 30", value);
    return kDefault;
  }
  return std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000 + 0.5));
}

// Upstream's KV-event bridge (engine ZMQ events into Redis) reads these; the engines we run beside publish no
// events yet, so the bridge is not built (docs/compatibility.md). Say so once rather than ignore them silently.
void note_kv_event_settings() {
  constexpr std::array kNames{"REDIS_HOST",
                              "REDIS_PORT",
                              "REDIS_DB",
                              "REDIS_PASSWORD",
                              "VLLM_ZMQ_ENDPOINT",
                              "SGLANG_ZMQ_ENDPOINT",
                              "VLLM_ZMQ_TOPIC_FILTER",
                              "SGLANG_ZMQ_TOPIC_FILTER"};
  std::string set;
  for (const char* name : kNames) {
    if (std::getenv(name) != nullptr) set += (set.empty() ? "" : ", ") + std::string(name);
  }
  if (!set.empty()) spdlog::info("runtime: no KV-event bridge in this build; ignoring {}", set);
}

int run_runtime(const std::string& engine, runtime::RuntimeOptions options) {
  auto kind = runtime::parse_engine_kind(engine);
  if (!kind) {
    std::cerr << "kthena runtime: " << kind.error().to_string() << "\n";
    return 1;
  }
  options.engine = *kind;
  options.request_timeout = request_timeout();
  note_kv_event_settings();

  // Every thread the server starts inherits this mask, so SIGINT/SIGTERM reach only the sigwait below.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  std::string host = options.host;
  auto server = runtime::RuntimeServer::start(std::move(options));
  if (!server) {
    std::cerr << "kthena runtime: " << server.error().to_string() << "\n";
    return 1;
  }
  // On stdout, for whoever started us with port 0 (the tests).
  std::cout << "listening " << host << ":" << (*server)->port() << std::endl;
  int received = 0;
  sigwait(&signals, &received);
  spdlog::info("runtime: {} received, finishing requests and downloads", received == SIGINT ? "SIGINT" : "SIGTERM");
  (*server)->shutdown();
  return 0;
}

}  // namespace

void add_runtime_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("runtime",
                                 "The sidecar beside an engine: metrics with standard names, LoRA and "
                                 "model downloads (docs/runtime.md)");
  auto options = std::make_shared<runtime::RuntimeOptions>();
  auto engine = std::make_shared<std::string>();
  cmd->add_option("-E,--engine", *engine, "The engine beside us: vllm, vllmdisaggregated or sglang")->required();
  cmd->add_option("-H,--host", options->host, "Address to listen on")->default_val(options->host);
  cmd->add_option("-P,--port", options->port, "Port to listen on (0: any free port)")->default_val(options->port);
  cmd->add_option("-B,--engine-base-url", options->engine_base_url, "The engine's base URL")
      ->default_val(options->engine_base_url);
  cmd->add_option("-M,--engine-metrics-path", options->engine_metrics_path, "The engine's metrics path")
      ->default_val(options->engine_metrics_path);
  cmd->add_option("-I,--pod", options->pod, "This pod, as <name>.<namespace>")->required();
  cmd->add_option("-N,--model", options->model, "The served model")->required();
  cmd->footer("Environment: REQUEST_TIMEOUT (seconds, 30) bounds each call to the engine.");
  cmd->callback([options, engine, &exit_code] { exit_code = run_runtime(*engine, *options); });
}

}  // namespace kthena::cli
