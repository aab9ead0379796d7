// `kthena apply -f FILE|DIR|- [--wait] [--timeout 5m]`: server-side apply of every object of the manifests
// (multi-document YAML or JSON, `kind: List`, folders recursively), printed as kubectl prints them
// (`modelbooster.workload.serving.volcano.sh/demo created|configured|unchanged`). Every file is decoded before
// anything is sent, so a broken manifest changes nothing. --wait then follows every ModelBooster until Active and
// every ModelServing until Available, with one progress line each (updated in place on a terminal).
#include <unistd.h>

#include <iostream>
#include <memory>

#include "cli/command.h"
#include "cli/ctl_connection.h"
#include "cli/manifest_files.h"
#include "ctl/apply.h"
#include "ctl/booster_progress.h"

namespace kthena::cli {
namespace {

struct ApplyFlags {
  ConnectionFlags connection;
  std::vector<std::string> files;
  bool wait = false;
  std::string timeout = "5m";
};

int apply(const ApplyFlags& flags) {
  auto timeout = parse_duration(flags.timeout, "--timeout");
  if (!timeout) return report(timeout.error());
  auto connection = connect(flags.connection);
  if (!connection) return report(connection.error());

  std::vector<std::pair<std::string, std::string>> texts;  // (source, text)
  for (const std::string& input : flags.files) {
    if (input == "-") {
      auto text = read_manifest_stdin();
      if (!text) return report(text.error());
      texts.emplace_back("<stdin>", std::move(*text));
      continue;
    }
    ManifestFiles found = find_manifests({input});
    if (!found.errors.empty()) return report(found.errors.front());
    for (const std::string& file : found.files) {
      auto text = read_manifest(file);
      if (!text) return report(text.error());
      texts.emplace_back(file, std::move(*text));
    }
  }
  std::vector<ctl::ManifestObject> objects;
  for (const auto& [source, text] : texts) {
    auto decoded = ctl::manifest_objects(text, source, connection->ns, connection->ns_explicit);
    if (!decoded) return report(decoded.error());
    for (ctl::ManifestObject& object : *decoded) objects.push_back(std::move(object));
  }
  if (objects.empty()) return report({ErrorCode::kInvalid, "", "no objects passed to apply"});

  int status = 0;
  ctl::BoosterProgress progress(*connection->client, std::cout, isatty(STDOUT_FILENO) == 1);
  bool tracked = false;
  for (const ctl::ManifestObject& object : objects) {
    auto outcome = ctl::apply_object(*connection->client, object);
    if (!outcome) {
      status = report(outcome.error());
      continue;
    }
    std::cout << ctl::object_reference(object.kind, object.name) << " " << ctl::to_string(*outcome) << "\n";
    if (object.kind.kthena == ctl::KthenaKind::kModelBooster) {
      progress.track(object.ns, object.name);
      tracked = true;
    } else if (object.kind.kthena == ctl::KthenaKind::kModelServing) {
      progress.track_serving(object.ns, object.name);
      tracked = true;
    }
  }
  std::cout.flush();
  if (!flags.wait || !tracked || status != 0) return status;
  auto done = progress.run_until_active(std::chrono::steady_clock::now() + *timeout);
  if (!done) return report(done.error());
  return 0;
}

}  // namespace

void add_apply_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("apply", "Create or update objects from manifests (server-side apply)");
  auto flags = std::make_shared<ApplyFlags>();
  cmd->add_option("-f,--filename", flags->files, "Files or folders (*.yaml, *.yml, *.json), or - for stdin")
      ->required();
  cmd->add_flag("--wait", flags->wait, "Wait until every ModelBooster is Active and every ModelServing Available");
  cmd->add_option("--timeout", flags->timeout, "How long --wait waits (default 5m)");
  add_connection_flags(cmd, flags->connection, false);
  cmd->callback([&exit_code, flags] { exit_code = apply(*flags); });
}

}  // namespace kthena::cli
