// `kthena describe template NAME` (the raw template under "Template Content:") and `kthena describe KIND NAME` for
// model-booster, model-serving (ms), model-route (mroute), model-server (mserver), autoscaling-policy (asp): header
// lines (Name, Namespace, Created, Age) and the whole object as YAML, as upstream prints them (spec §6).
#include <chrono>
#include <iostream>
#include <memory>

#include <fmt/format.h>

#include "api/codec/yaml_encoder.h"
#include "api/json_fields.h"
#include "cli/command.h"
#include "cli/ctl_connection.h"
#include "ctl/columns.h"
#include "ctl/resource_kinds.h"
#include "ctl/template_catalogue.h"

namespace kthena::cli {
namespace {

using api::lenient::member;
using api::lenient::str;

struct DescribeFlags {
  ConnectionFlags connection;
  std::string resource;
  std::string name;
};

int describe(const DescribeFlags& flags) {
  if (flags.resource == "template" || flags.resource == "templates") {
    auto found = ctl::TemplateCatalogue::builtin().find(flags.name);
    if (!found) return report(found.error());
    std::cout << "Template Content:\n" << (*found)->content;
    if (!(*found)->content.ends_with('\n')) std::cout << "\n";
    return 0;
  }
  // `describe model-booster/demo` as kubectl also takes it.
  std::string resource = flags.resource;
  std::string name = flags.name;
  if (name.empty() && resource.find('/') != std::string::npos) {
    name = resource.substr(resource.find('/') + 1);
    resource = resource.substr(0, resource.find('/'));
  }
  if (name.empty()) return report({ErrorCode::kInvalid, "", "describe needs a NAME: kthena describe KIND NAME"});
  auto kind = ctl::resolve_kind(resource);
  if (!kind) return report(kind.error());
  auto connection = connect(flags.connection);
  if (!connection) return report(connection.error());
  auto object = connection->client->get(kind->resource, connection->ns, name);
  if (!object) return report(object.error());
  if (!object->contains("kind")) (*object)["kind"] = kind->resource.kind;
  if (!object->contains("apiVersion")) (*object)["apiVersion"] = kind->resource.api_version();
  const Json& metadata = member(*object, "metadata");
  std::cout << fmt::format("Name:         {}\n", str(metadata, "name"));
  if (kind->resource.namespaced) std::cout << fmt::format("Namespace:    {}\n", str(metadata, "namespace"));
  std::cout << fmt::format("Kind:         {}\n", kind->resource.kind);
  std::cout << fmt::format("Created:      {}\n", str(metadata, "creationTimestamp"));
  std::cout << fmt::format("Age:          {}\n", ctl::object_age(*object, std::chrono::system_clock::now()));
  std::cout << "\n" << api::encode_yaml(*object);
  return 0;
}

}  // namespace

void add_describe_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("describe", "Show one object (header and full YAML) or a manifest template");
  auto flags = std::make_shared<DescribeFlags>();
  cmd->add_option("resource", flags->resource,
                  "template, model-booster, model-serving (ms), model-route (mroute), model-server (mserver), "
                  "autoscaling-policy (asp), or TYPE/NAME")
      ->required();
  cmd->add_option("name", flags->name, "The object's or the template's name");
  add_connection_flags(cmd, flags->connection, false);
  cmd->callback([&exit_code, flags] { exit_code = describe(*flags); });
}

}  // namespace kthena::cli
