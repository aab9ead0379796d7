// `kthena`: one binary, many roles (see docs/architecture.md).
#include <iostream>

#include "cli/command.h"
#include "common/log.h"

int main(int argc, char** argv) {
  CLI::App app{"kthena: serve large language models with the Kthena API"};
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "Show the help of every command");
  std::string log_level = "info";
  app.add_option("--log-level", log_level, "trace|debug|info|warn|error|off")->default_val("info");
  app.parse_complete_callback([&log_level] { kthena::setup_logging(log_level); });

  int exit_code = 0;
  for (size_t i = 0; i < kthena::cli::kCommandCount; ++i) kthena::cli::kCommands[i].add(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  return exit_code;
}
