// `kthena wait --for=condition=Active model-booster/NAME [--timeout=30s]`: blocks until each named object's
// condition has the value (True unless `condition=TYPE=VALUE`), or until it is gone (`--for=delete`), on a watch.
// Prints `modelbooster.workload.serving.volcano.sh/demo condition met` per object as kubectl does; exit 1 on timeout.
#include <iostream>
#include <memory>

#include "cli/command.h"
#include "cli/ctl_connection.h"
#include "ctl/apply.h"
#include "ctl/resource_kinds.h"
#include "ctl/wait.h"

namespace kthena::cli {
namespace {

struct WaitFlags {
  ConnectionFlags connection;
  std::vector<std::string> args;
  std::string for_condition;
  std::string timeout = "30s";
};

int wait(const WaitFlags& flags) {
  auto condition = ctl::parse_wait_condition(flags.for_condition);
  if (!condition) return report(condition.error());
  auto timeout = parse_duration(flags.timeout, "--timeout");
  if (!timeout) return report(timeout.error());
  std::vector<std::pair<ctl::ResolvedKind, std::string>> targets;
  if (!flags.args.empty() && flags.args.front().find('/') == std::string::npos) {
    if (flags.args.size() < 2) return report({ErrorCode::kInvalid, "", "wait KIND needs a NAME (or TYPE/NAME)"});
    auto kind = ctl::resolve_kind(flags.args.front());
    if (!kind) return report(kind.error());
    for (size_t i = 1; i < flags.args.size(); ++i) targets.emplace_back(*kind, flags.args[i]);
  } else {
    for (const std::string& arg : flags.args) {
      auto resolved = ctl::resolve_type_name(arg);
      if (!resolved) return report(resolved.error());
      targets.push_back(std::move(*resolved));
    }
  }
  if (targets.empty()) return report({ErrorCode::kInvalid, "", "name what to wait for: TYPE/NAME"});
  auto connection = connect(flags.connection);
  if (!connection) return report(connection.error());
  const auto deadline = std::chrono::steady_clock::now() + *timeout;
  for (const auto& [kind, name] : targets) {
    auto done = ctl::wait_for(*connection->client, kind, connection->ns, name, *condition, deadline);
    if (!done) return report(done.error());
    std::cout << ctl::object_reference(kind, name) << (condition->for_delete ? " deleted" : " condition met") << "\n";
  }
  return 0;
}

}  // namespace

void add_wait_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("wait", "Wait for a condition of objects (or their deletion)");
  auto flags = std::make_shared<WaitFlags>();
  cmd->add_option("objects", flags->args, "TYPE/NAME... (model-booster/demo) or KIND NAME...")->required();
  cmd->add_option("--for", flags->for_condition, "condition=TYPE[=VALUE] or delete")->required();
  cmd->add_option("--timeout", flags->timeout, "How long to wait (default 30s)");
  add_connection_flags(cmd, flags->connection, false);
  cmd->callback([&exit_code, flags] { exit_code = wait(*flags); });
}

}  // namespace kthena::cli
