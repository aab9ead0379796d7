#include <iostream>

#include "cli/command.h"
#include "common/version.h"

namespace kthena::cli {

void add_version_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("version", "Print the version of kthena");
  cmd->callback([&exit_code] {
    std::cout << "kthena " << kVersion << " (commit " << kGitCommit << ")\n";
    exit_code = 0;
  });
}

}  // namespace kthena::cli
