// `kthena get RESOURCE [NAME]`: upstream kthena's tables (spec kthena-workload.md §6) for model-boosters,
// model-servings (ms), model-routes (mroute), model-servers (mserver) and autoscaling-policies (asp); NAME is a
// case-insensitive substring filter; -o yaml|json|name; -A adds the NAMESPACE column. `get templates` and
// `get template NAME` read the embedded manifest templates and need no server.
#include <algorithm>
#include <chrono>
#include <iostream>
#include <memory>

#include "api/codec/yaml_encoder.h"
#include "api/json_fields.h"
#include "cli/command.h"
#include "cli/ctl_connection.h"
#include "ctl/apply.h"
#include "ctl/columns.h"
#include "ctl/resource_kinds.h"
#include "ctl/template_catalogue.h"

namespace kthena::cli {
namespace {

using api::lenient::member;
using api::lenient::str;

struct GetFlags {
  ConnectionFlags connection;
  std::string resource;
  std::string name;
  std::string output;
};

int get_templates(const GetFlags& flags) {
  const ctl::TemplateCatalogue& catalogue = ctl::TemplateCatalogue::builtin();
  if (flags.output == "yaml") {
    Json list = Json::array();
    for (const ctl::TemplateInfo& t : catalogue.all()) {
      list.push_back({{"Name", t.name}, {"Description", t.description}, {"FilePath", t.file_path}});
    }
    std::cout << api::encode_yaml(list);
    return 0;
  }
  if (!flags.output.empty()) return report({ErrorCode::kInvalid, "-o", "templates print as a table or as yaml"});
  ctl::Table table{{"NAME", "DESCRIPTION"}, {}};
  for (const ctl::TemplateInfo& t : catalogue.all()) table.rows.push_back({t.name, t.description});
  ctl::print_table(std::cout, table);
  return 0;
}

int get_template(const GetFlags& flags) {
  if (flags.name.empty()) return report({ErrorCode::kInvalid, "", "get template needs a NAME (kthena get templates)"});
  auto found = ctl::TemplateCatalogue::builtin().find(flags.name);
  if (!found) return report(found.error());
  // Upstream prints the raw template by default and for -o yaml; any other format is the NAME/DESCRIPTION row.
  if (flags.output.empty() || flags.output == "yaml") {
    std::cout << (*found)->content;
    if (!(*found)->content.ends_with('\n')) std::cout << "\n";
    return 0;
  }
  ctl::print_table(std::cout, {{"NAME", "DESCRIPTION"}, {{(*found)->name, (*found)->description}}});
  return 0;
}

int get_objects(const GetFlags& flags) {
  if (!flags.output.empty() && flags.output != "yaml" && flags.output != "json" && flags.output != "name" &&
      flags.output != "wide") {
    return report({ErrorCode::kInvalid, "-o", "unknown output format \"" + flags.output + "\" (yaml, json, name)"});
  }
  auto kind = ctl::resolve_kind(flags.resource);
  if (!kind) return report(kind.error());
  auto connection = connect(flags.connection);
  if (!connection) return report(connection.error());
  const bool all = flags.connection.all_namespaces || !kind->resource.namespaced;
  auto list = connection->client->list(kind->resource, all ? "" : connection->ns);
  if (!list) return report(list.error());
  std::vector<Json> items;
  for (Json& item : (*list)["items"]) items.push_back(std::move(item));
  std::sort(items.begin(), items.end(), [](const Json& a, const Json& b) {
    const Json& ma = member(a, "metadata");
    const Json& mb = member(b, "metadata");
    return std::pair(str(ma, "namespace"), str(ma, "name")) < std::pair(str(mb, "namespace"), str(mb, "name"));
  });
  items = ctl::filter_by_name(items, flags.name);
  for (Json& item : items) {
    // A list's items carry no type; the printed objects should, as kubectl's do.
    if (!item.contains("kind")) item["kind"] = kind->resource.kind;
    if (!item.contains("apiVersion")) item["apiVersion"] = kind->resource.api_version();
  }
  if (flags.output == "name") {
    for (const Json& item : items) {
      std::cout << ctl::object_reference(*kind, str(member(item, "metadata"), "name")) << "\n";
    }
    return 0;
  }
  if (flags.output == "yaml" || flags.output == "json") {
    Json shown;
    const bool one = items.size() == 1 && str(member(items[0], "metadata"), "name") == flags.name;
    if (one) {
      shown = std::move(items[0]);
    } else {
      shown = {
          {"apiVersion", "v1"}, {"items", Json::array()}, {"kind", "List"}, {"metadata", {{"resourceVersion", ""}}}};
      for (Json& item : items) shown["items"].push_back(std::move(item));
    }
    std::cout << (flags.output == "yaml" ? api::encode_yaml(shown) : shown.dump(4) + "\n");
    return 0;
  }
  if (items.empty()) {
    if (flags.connection.all_namespaces) {
      std::cerr << "No resources found\n";
    } else {
      std::cerr << "No resources found in " << connection->ns << " namespace.\n";
    }
    return 0;
  }
  const auto now = std::chrono::system_clock::now();
  ctl::Table table;
  if (kind->kthena) {
    table = ctl::kind_table(*kind->kthena, items, flags.connection.all_namespaces, now);
  } else {
    table.headers = {"NAME", "AGE"};
    if (flags.connection.all_namespaces) table.headers.insert(table.headers.begin(), "NAMESPACE");
    for (const Json& item : items) {
      std::vector<std::string> row;
      if (flags.connection.all_namespaces) row.push_back(str(member(item, "metadata"), "namespace"));
      row.push_back(str(member(item, "metadata"), "name"));
      row.push_back(ctl::object_age(item, now));
      table.rows.push_back(std::move(row));
    }
  }
  ctl::print_table(std::cout, table);
  return 0;
}

}  // namespace

void add_get_command(CLI::App& app, int& exit_code) {
  auto* cmd =
      app.add_subcommand("get",
                         "List model-boosters, model-servings (ms), model-routes (mroute), model-servers (mserver), "
                         "autoscaling-policies (asp), or the manifest templates");
  auto flags = std::make_shared<GetFlags>();
  cmd->add_option("resource", flags->resource,
                  "model-boosters|model-servings|ms|model-routes|mroute|model-servers|mserver|autoscaling-policies|"
                  "asp (singular forms too), templates, template")
      ->required();
  cmd->add_option("name", flags->name, "Only objects whose name contains this (any case); the template's name");
  cmd->add_option("-o,--output", flags->output, "yaml|json|name (templates: yaml)");
  add_connection_flags(cmd, flags->connection, true);
  cmd->callback([&exit_code, flags] {
    if (flags->resource == "templates") {
      exit_code = get_templates(*flags);
    } else if (flags->resource == "template") {
      exit_code = get_template(*flags);
    } else {
      exit_code = get_objects(*flags);
    }
  });
}

}  // namespace kthena::cli
