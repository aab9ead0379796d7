// `kthena delete -f FILE|DIR|-` or `kthena delete KIND NAME... | TYPE/NAME...`: deletes with background
// propagation (a ModelBooster's children and their pods follow it), printed as kubectl prints it
// (`modelbooster.workload.serving.volcano.sh "demo" deleted`). A missing object is an error unless
// --ignore-not-found.
#include <iostream>
#include <memory>

#include "cli/command.h"
#include "cli/ctl_connection.h"
#include "cli/manifest_files.h"
#include "ctl/apply.h"
#include "ctl/resource_kinds.h"

namespace kthena::cli {
namespace {

struct DeleteFlags {
  ConnectionFlags connection;
  std::vector<std::string> files;
  std::vector<std::string> args;
  bool ignore_not_found = false;
};

struct Target {
  ctl::ResolvedKind kind;
  std::string ns;
  std::string name;
};

std::string quoted_reference(const ctl::ResolvedKind& kind, const std::string& name) {
  std::string reference = ctl::object_reference(kind, name);
  return reference.substr(0, reference.size() - name.size() - 1) + " \"" + name + "\"";
}

int remove(const DeleteFlags& flags) {
  if (flags.files.empty() == flags.args.empty()) {
    return report({ErrorCode::kInvalid, "", "name objects either with -f FILE or as KIND NAME..., not both"});
  }
  auto connection = connect(flags.connection);
  if (!connection) return report(connection.error());
  std::vector<Target> targets;
  for (const std::string& input : flags.files) {
    std::vector<std::pair<std::string, std::string>> texts;
    if (input == "-") {
      auto text = read_manifest_stdin();
      if (!text) return report(text.error());
      texts.emplace_back("<stdin>", std::move(*text));
    } else {
      ManifestFiles found = find_manifests({input});
      if (!found.errors.empty()) return report(found.errors.front());
      for (const std::string& file : found.files) {
        auto text = read_manifest(file);
        if (!text) return report(text.error());
        texts.emplace_back(file, std::move(*text));
      }
    }
    for (const auto& [source, text] : texts) {
      auto objects = ctl::manifest_objects(text, source, connection->ns, connection->ns_explicit);
      if (!objects) return report(objects.error());
      for (ctl::ManifestObject& object : *objects) targets.push_back({object.kind, object.ns, object.name});
    }
  }
  if (!flags.args.empty()) {
    if (flags.args.front().find('/') != std::string::npos) {
      for (const std::string& arg : flags.args) {
        auto resolved = ctl::resolve_type_name(arg);
        if (!resolved) return report(resolved.error());
        targets.push_back({resolved->first, connection->ns, resolved->second});
      }
    } else {
      if (flags.args.size() < 2) return report({ErrorCode::kInvalid, "", "delete KIND needs at least one NAME"});
      auto kind = ctl::resolve_kind(flags.args.front());
      if (!kind) return report(kind.error());
      for (size_t i = 1; i < flags.args.size(); ++i) targets.push_back({*kind, connection->ns, flags.args[i]});
    }
  }
  int status = 0;
  for (const Target& target : targets) {
    auto deleted = ctl::delete_object(*connection->client, target.kind, target.ns, target.name);
    if (!deleted) {
      status = report(deleted.error());
    } else if (*deleted) {
      std::cout << quoted_reference(target.kind, target.name) << " deleted\n";
    } else if (!flags.ignore_not_found) {
      status = report({ErrorCode::kNotFound, "", quoted_reference(target.kind, target.name) + " not found"});
    }
  }
  return status;
}

}  // namespace

void add_delete_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("delete", "Delete the objects of manifests, or objects by kind and name");
  auto flags = std::make_shared<DeleteFlags>();
  cmd->add_option("-f,--filename", flags->files, "Files or folders, or - for stdin");
  cmd->add_option("objects", flags->args, "KIND NAME... or TYPE/NAME...");
  cmd->add_flag("--ignore-not-found", flags->ignore_not_found, "A missing object is not an error");
  add_connection_flags(cmd, flags->connection, false);
  cmd->callback([&exit_code, flags] { exit_code = remove(*flags); });
}

}  // namespace kthena::cli
