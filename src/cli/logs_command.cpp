// `kthena logs POD|pod/POD|model-booster/NAME|model-serving/NAME [-c C] [-f] [--previous] [--tail N]`: a
// container's log through the API server's pods/log subresource; for a booster or serving, its first Running pod.
#include <iostream>
#include <memory>

#include "cli/command.h"
#include "cli/ctl_connection.h"
#include "ctl/logs.h"

namespace kthena::cli {
namespace {

struct LogsFlags {
  ConnectionFlags connection;
  std::string target;
  ctl::LogOptions options;
  int64_t tail = -1;
};

int logs(LogsFlags flags) {
  if (flags.tail >= 0) flags.options.tail_lines = flags.tail;
  auto connection = connect(flags.connection);
  if (!connection) return report(connection.error());
  auto pod = ctl::resolve_log_pod(*connection->client, flags.target, connection->ns);
  if (!pod) return report(pod.error());
  auto written = ctl::write_logs(*connection->client, connection->ns, *pod, flags.options, std::cout);
  if (!written) return report(written.error());
  return 0;
}

}  // namespace

void add_logs_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("logs", "Print a container's log (of a pod, or of a model's first running pod)");
  auto flags = std::make_shared<LogsFlags>();
  cmd->add_option("target", flags->target, "POD, pod/POD, model-booster/NAME or model-serving/NAME")->required();
  cmd->add_option("-c,--container", flags->options.container, "The container (default: the pod's only one)");
  cmd->add_flag("-f,--follow", flags->options.follow, "Keep printing as the log grows");
  cmd->add_flag("-p,--previous", flags->options.previous, "The previous instance of the container");
  cmd->add_option("--tail", flags->tail, "Only the last N lines (-1: all)");
  add_connection_flags(cmd, flags->connection, false);
  cmd->callback([&exit_code, flags] { exit_code = logs(*flags); });
}

}  // namespace kthena::cli
