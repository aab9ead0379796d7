// `kthena engine-sim`: vLLM- and SGLang-compatible engine simulators (docs/engine-sim.md). Every argument after
// the command is the engine's own command line, so that a ModelBooster's engine command runs unchanged:
//   kthena engine-sim python3 -m vllm.entrypoints.openai.api_server --model m --port 8000 --served-model-name x
//   kthena engine-sim vllm serve m --port 8000
//   kthena engine-sim --engine sglang --instances 200 --base-port 31000 --time-scale 0.1
#include <algorithm>
#include <csignal>
#include <iostream>

#include <spdlog/spdlog.h>

#include "cli/command.h"
#include "sim/fleet.h"

namespace kthena::cli {

void add_engine_sim_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("engine-sim", "Simulate vLLM or SGLang engines (OpenAI API, metrics, KV cache, PD)");
  cmd->prefix_command();
  cmd->allow_extras();
  cmd->footer(
      "All arguments are the engine's own flags (vLLM's or SGLang's) plus the simulator's: see docs/engine-sim.md");
  cmd->callback([cmd, &exit_code] {
    std::vector<std::string> argv = cmd->remaining();
    if (std::find(argv.begin(), argv.end(), "--help") != argv.end() ||
        std::find(argv.begin(), argv.end(), "-h") != argv.end()) {
      std::cout << sim::engine_args_help();
      exit_code = 0;
      return;
    }
    auto args = sim::parse_engine_args(argv);
    if (!args) {
      std::cerr << "engine-sim: " << args.error().to_string() << "\n";
      exit_code = 2;
      return;
    }
    if (!args->ignored.empty()) {
      std::string list;
      for (const std::string& a : args->ignored) list += (list.empty() ? "" : ", ") + a;
      spdlog::warn("engine-sim: ignoring flags the simulator does not model: {}", list);
    }
    // Reactor threads inherit this mask, so that only sigwait() below sees the signals.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    auto fleet = sim::Fleet::start(*args, argv);
    if (!fleet) {
      std::cerr << "engine-sim: " << fleet.error().to_string() << "\n";
      exit_code = 1;
      return;
    }
    for (sim::EngineServer* e : (*fleet)->engines()) {
      std::cout << "listening " << e->address() << ":" << e->port() << " model " << e->engine().config().served_name()
                << "\n";
    }
    std::cout.flush();
    int sig = 0;
    sigwait(&signals, &sig);
    spdlog::info("engine-sim: signal {}, draining", sig);
    (*fleet)->shutdown(std::chrono::seconds(5));
    exit_code = 0;
  });
}

}  // namespace kthena::cli
