// Each `kthena <command>` is one file here that declares its flags and hands them to the library that does the
// work. The table in commands.cpp lists them all; main() owns nothing else.
#pragma once

#include <CLI/CLI.hpp>

namespace kthena::cli {

// Adds one subcommand to `app`. When the subcommand runs, its result is stored in `exit_code`.
using AddCommand = void (*)(CLI::App& app, int& exit_code);

struct CommandEntry {
  const char* name;
  AddCommand add;
};

// Every command, in the order `kthena --help` lists them.
extern const CommandEntry kCommands[];
extern const size_t kCommandCount;

void add_version_command(CLI::App& app, int& exit_code);
void add_apiserver_command(CLI::App& app, int& exit_code);
void add_router_command(CLI::App& app, int& exit_code);
void add_crds_command(CLI::App& app, int& exit_code);
void add_validate_command(CLI::App& app, int& exit_code);
void add_convert_command(CLI::App& app, int& exit_code);
void add_engine_sim_command(CLI::App& app, int& exit_code);
void add_controller_manager_command(CLI::App& app, int& exit_code);
void add_downloader_command(CLI::App& app, int& exit_code);
void add_runtime_command(CLI::App& app, int& exit_code);
void add_node_command(CLI::App& app, int& exit_code);
void add_up_command(CLI::App& app, int& exit_code);
void add_get_command(CLI::App& app, int& exit_code);
void add_describe_command(CLI::App& app, int& exit_code);
void add_create_command(CLI::App& app, int& exit_code);
void add_apply_command(CLI::App& app, int& exit_code);
void add_delete_command(CLI::App& app, int& exit_code);
void add_wait_command(CLI::App& app, int& exit_code);
void add_logs_command(CLI::App& app, int& exit_code);
void add_status_command(CLI::App& app, int& exit_code);

}  // namespace kthena::cli
