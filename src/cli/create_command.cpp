// `kthena create manifest -t TEMPLATE [--name N] [-n NS] [-f values.yaml] [--set k=v,...] [--dry-run] [-y]`:
// renders an embedded template (spec kthena-workload.md §6) with its values (the file, then each --set, then
// --name, then -n when the values set no namespace), prints it between banners, and unless --dry-run asks before
// creating each object. Only the five Kthena kinds can be created this way ("unsupported resource type").

#include <unistd.h>

#include <iostream>
#include <memory>

#include "api/json_fields.h"
#include "cli/command.h"
#include "cli/ctl_connection.h"
#include "cli/manifest_files.h"
#include "ctl/apply.h"
#include "ctl/resource_kinds.h"
#include "ctl/template_catalogue.h"
#include "ctl/template_renderer.h"
#include "ctl/template_values.h"

namespace kthena::cli {
namespace {

struct CreateFlags {
  ConnectionFlags connection;
  std::string template_name;
  std::string name;
  std::string values_file;
  std::vector<std::string> sets;
  bool dry_run = false;
  bool yes = false;
};

int create_manifest(const CreateFlags& flags) {
  auto found = ctl::TemplateCatalogue::builtin().find(flags.template_name);
  if (!found) return report(found.error());
  ctl::ValueSources sources;
  if (!flags.values_file.empty()) {
    auto text = flags.values_file == "-" ? read_manifest_stdin() : read_manifest(flags.values_file);
    if (!text) return report(text.error());
    sources.file_text = std::move(*text);
    sources.file_name = flags.values_file;
  }
  sources.sets = flags.sets;
  sources.name = flags.name;
  sources.ns = flags.connection.ns.empty() ? "default" : flags.connection.ns;
  auto values = ctl::build_values(sources);
  if (!values) return report(values.error());
  auto rendered = ctl::render_template((*found)->content, (*found)->name, *values);
  if (!rendered) return report(rendered.error());

  std::cout << "Generated YAML:\n================\n" << *rendered;
  if (!rendered->ends_with('\n')) std::cout << "\n";
  std::cout << "================\n";
  // The rendered text must be manifests before anything is asked or sent.
  auto objects = ctl::manifest_objects(*rendered, "template " + (*found)->name, sources.ns, false);
  if (!objects) return report(objects.error());
  for (const ctl::ManifestObject& object : *objects) {
    if (!object.kind.kthena) {
      return report({ErrorCode::kInvalid, "", "unsupported resource type: " + object.kind.resource.kind});
    }
  }
  if (flags.dry_run) return 0;
  if (!flags.yes) {
    std::cout << "Do you want to apply these resources to the cluster? [y/N]: " << std::flush;
    std::string answer;
    std::getline(std::cin, answer);
    // A terminal echoed the answer and its newline; from a pipe, end the prompt's line ourselves.
    if (isatty(STDIN_FILENO) != 1) std::cout << "\n";
    if (answer != "y" && answer != "Y" && answer != "yes" && answer != "Yes") {
      std::cout << "Aborted.\n";
      return 0;
    }
  }
  auto connection = connect(flags.connection);
  if (!connection) return report(connection.error());
  int status = 0;
  for (const ctl::ManifestObject& object : *objects) {
    auto created = connection->client->create(object.kind.resource, object.ns, object.object);
    if (!created) {
      status = report(created.error());
      continue;
    }
    std::cout << ctl::object_reference(object.kind, object.name) << " created\n";
  }
  return status;
}

}  // namespace

void add_create_command(CLI::App& app, int& exit_code) {
  auto* create = app.add_subcommand("create", "Create objects from a manifest template");
  create->require_subcommand(1);
  auto* cmd = create->add_subcommand("manifest", "Render a template (kthena get templates) and create its objects");
  auto flags = std::make_shared<CreateFlags>();
  cmd->add_option("-t,--template", flags->template_name, "Vendor/Model or Model (kthena get templates)")->required();
  cmd->add_option("--name", flags->name, "The value `name` (the ModelBooster's name)");
  cmd->add_option("-f,--values", flags->values_file, "A YAML file of values (- for standard input)");
  cmd->add_option("--set", flags->sets, "key=value[,key=value...] (a.b=c nests; repeatable)");
  cmd->add_flag("--dry-run", flags->dry_run, "Print the manifest only");
  cmd->add_flag("-y,--yes", flags->yes, "Create without asking");
  cmd->add_option("--kubeconfig", flags->connection.kubeconfig, "The kubeconfig (as for kthena get)");
  cmd->add_option("--context", flags->connection.context, "The kubeconfig context");
  cmd->add_option("-n,--namespace", flags->connection.ns, "The value `namespace` when the values set none (default)");
  cmd->callback([&exit_code, flags] { exit_code = create_manifest(*flags); });
}

}  // namespace kthena::cli
