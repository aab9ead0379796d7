// `kthena validate [--strict] -f PATH...`: runs admission (the API server's pruning, defaulting and validation,
// webhook rules included) over manifests without a server. Files or folders (recursively *.yaml, *.yml, *.json),
// multi-document YAML or JSON, `kind: List` expanded.
//
// Output, one line per problem: `FILE: Kind/namespace/name: <field error>` (the namespace is the one kubectl would
// use, "default" when unset; cluster-scoped kinds print `Kind/name`). Kinds kthena does not serve are listed as
// skipped. Exit code: 0 when every object is valid, 1 when any is invalid, 2 when any input cannot be read or
// parsed (its line and column are named), whatever else was found.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include <fmt/format.h>

#include "api/admission.h"
#include "api/codec/yaml_decoder.h"
#include "cli/command.h"

namespace kthena::cli {
namespace {

namespace fs = std::filesystem;

struct Tally {
  int valid = 0, invalid = 0, skipped = 0, unreadable = 0;
};

std::vector<fs::path> expand(const std::vector<std::string>& inputs, Tally& tally) {
  std::vector<fs::path> files;
  for (const std::string& input : inputs) {
    std::error_code ec;
    fs::path p(input);
    if (fs::is_directory(p, ec)) {
      std::vector<fs::path> found;
      for (auto it = fs::recursive_directory_iterator(p, ec); !ec && it != fs::recursive_directory_iterator();
           it.increment(ec)) {
        std::string ext = it->path().extension().string();
        if (it->is_regular_file() && (ext == ".yaml" || ext == ".yml" || ext == ".json")) found.push_back(it->path());
      }
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    } else if (fs::exists(p, ec)) {
      files.push_back(p);
    } else {
      std::cerr << input << ": no such file or directory\n";
      ++tally.unreadable;
    }
  }
  return files;
}

std::string object_name(const Json& object, const api::KindInfo* kind) {
  const Json meta = object.is_object() ? object.value("metadata", Json::object()) : Json::object();
  std::string name = meta.is_object() ? meta.value("name", "") : "";
  if (name.empty() && meta.is_object()) name = meta.value("generateName", "");
  if (name.empty()) name = "<unnamed>";
  std::string kind_name = object.is_object() ? object.value("kind", "<no kind>") : "<no kind>";
  if (kind && !kind->namespaced) return kind_name + "/" + name;
  std::string ns = meta.is_object() ? meta.value("namespace", "") : "";
  return kind_name + "/" + (ns.empty() ? "default" : ns) + "/" + name;
}

void check_object(const std::string& file, int line, const Json& object, bool strict, Tally& tally) {
  const api::KindRegistry& registry = api::KindRegistry::builtin();
  if (object.is_object() && object.value("kind", "").ends_with("List") && object.contains("items") &&
      object["items"].is_array()) {
    for (const Json& item : object["items"]) check_object(file, line, item, strict, tally);
    return;
  }
  api::AdmissionOptions options;
  options.field_validation = api::FieldValidation::kWarn;
  auto admitted = api::admit(registry, object, nullptr, options);
  if (!admitted) {
    if (admitted.error().code == ErrorCode::kNotFound) {
      std::cout << file << ": skipped " << object_name(object, nullptr) << ": " << admitted.error().message << "\n";
      ++tally.skipped;
      return;
    }
    std::cout << file << ":" << line << ": " << admitted.error().message << "\n";
    ++tally.invalid;
    return;
  }
  std::vector<std::string> problems;
  if (strict) {
    for (const std::string& w : admitted->warnings()) problems.push_back(w);
  }
  for (const FieldError& e : admitted->errors) problems.push_back(e.to_string());
  if (problems.empty()) {
    ++tally.valid;
    return;
  }
  ++tally.invalid;
  std::string who = object_name(object, admitted->kind);
  for (const std::string& p : problems) std::cout << file << ": " << who << ": " << p << "\n";
}

int run(const std::vector<std::string>& inputs, bool strict) {
  Tally tally;
  for (const fs::path& path : expand(inputs, tally)) {
    std::string file = path.string();
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    if (!in && !in.eof()) {
      std::cerr << file << ": cannot read\n";
      ++tally.unreadable;
      continue;
    }
    auto docs = api::decode_documents(text.str(), file);
    if (!docs) {
      std::cerr << docs.error().to_string() << "\n";
      ++tally.unreadable;
      continue;
    }
    for (const api::Document& doc : *docs) {
      if (doc.value.is_null()) continue;
      check_object(file, doc.line, doc.value, strict, tally);
    }
  }
  std::cerr << fmt::format("{} valid, {} invalid, {} skipped, {} unreadable\n", tally.valid, tally.invalid,
                           tally.skipped, tally.unreadable);
  if (tally.unreadable) return 2;
  return tally.invalid ? 1 : 0;
}

}  // namespace

void add_validate_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("validate",
                                 "Validate manifests as the API server would (pruning, defaults, schema, webhooks)");
  auto inputs = std::make_shared<std::vector<std::string>>();
  auto strict = std::make_shared<bool>(false);
  cmd->add_option("-f,--filename", *inputs, "Files or folders (*.yaml, *.yml, *.json, recursively)")->required();
  cmd->add_flag("--strict", *strict, "Report unknown fields as errors instead of pruning them");
  cmd->callback([&exit_code, inputs, strict] { exit_code = run(*inputs, *strict); });
}

}  // namespace kthena::cli
