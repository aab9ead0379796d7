// `kthena convert -f FILE [--uid UID]`: prints, as multi-document YAML, the objects that the ModelBooster controller
// creates for each ModelBooster in FILE: ModelServing, ModelServer, ModelRoute, then any AutoscalingPolicy (a
// v0.2.0 booster's). FILE goes through admission first, so invalid input fails with `kthena validate`'s errors.
// Exit codes: 0 converted, 1 invalid or not convertible, 2 unreadable or unparsable.
#include <exception>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "api/admission.h"
#include "api/codec/yaml_decoder.h"
#include "api/codec/yaml_encoder.h"
#include "cli/command.h"
#include "cli/manifest_files.h"
#include "cli/object_identity.h"
#include "controllers/modelbooster/converter.h"

namespace kthena::cli {
namespace {

namespace mb = controllers::modelbooster;

struct ConvertFlags {
  std::string file;
  std::string uid;
  mb::ConvertOptions options;
};

// Admission as `kthena validate` runs it: unknown fields pruned with a warning, every error reported. Returns the
// admitted object, or nothing after printing why.
std::optional<Json> admit(const std::string& source, const api::Document& document, const Json& object) {
  api::AdmissionOptions options;
  options.field_validation = api::FieldValidation::kWarn;
  auto admitted = api::admit(api::KindRegistry::builtin(), object, nullptr, options);
  if (!admitted) {
    std::cerr << source << ":" << document.line << ": " << admitted.error().message << "\n";
    return std::nullopt;
  }
  const std::string who = object_label(object, admitted->kind);
  for (const std::string& w : admitted->warnings()) std::cerr << source << ": " << who << ": warning: " << w << "\n";
  for (const FieldError& e : admitted->errors) std::cerr << source << ": " << who << ": " << e.to_string() << "\n";
  if (!admitted->ok()) return std::nullopt;
  return std::move(admitted->object);
}

int convert(const ConvertFlags& flags) {
  const std::string source = flags.file == "-" ? "<stdin>" : flags.file;
  auto text = flags.file == "-" ? read_manifest_stdin() : read_manifest(flags.file);
  if (!text) {
    std::cerr << text.error().to_string() << "\n";
    return 2;
  }
  auto documents = api::decode_documents(*text, source);
  if (!documents) {
    std::cerr << documents.error().to_string() << "\n";
    return 2;
  }
  auto converter = mb::ModelBoosterConverter::create(flags.options);
  if (!converter) {
    std::cerr << "convert: " << converter.error().to_string() << "\n";
    return 1;
  }
  std::vector<Json> out;
  int status = 0;
  for (api::Document& document : *documents) {
    Json& object = document.value;
    if (object.is_null()) continue;
    if (auto error = type_meta_error(object)) {
      std::cerr << source << ":" << document.line << ": " << *error << "\n";
      status = 1;
      continue;
    }
    const std::string* kind = string_member(object, "kind");
    if (!kind || *kind != "ModelBooster") {
      std::cerr << source << ":" << document.line
                << ": skipped: " << (!kind || kind->empty() ? "not a Kubernetes object" : *kind)
                << " is not a ModelBooster\n";
      continue;
    }
    // Only into metadata that is an object (or absent): any other type is admission's to report.
    if (!flags.uid.empty() && (!object.contains("metadata") || object["metadata"].is_object())) {
      object["metadata"]["uid"] = flags.uid;
    }
    std::optional<Json> admitted = admit(source, document, object);
    if (!admitted) {
      status = 1;
      continue;
    }
    auto objects = converter->convert(*admitted);
    if (!objects) {
      std::cerr << source << ": " << object_label(object, nullptr) << ": " << objects.error().to_string() << "\n";
      status = 1;
      continue;
    }
    for (Json& o : objects->in_order()) out.push_back(std::move(o));
  }
  if (status != 0) return status;
  if (out.empty()) {
    std::cerr << source << ": no ModelBooster to convert\n";
    return 1;
  }
  std::cout << api::encode_yaml_documents(out);
  return 0;
}

int run_convert(const ConvertFlags& flags) {
  // The last resort: an input that some code below still mishandles is reported against its name instead of an
  // abort. Reading, decoding and naming objects throw nothing by design.
  try {
    return convert(flags);
  } catch (const std::exception& e) {
    std::cerr << (flags.file == "-" ? "<stdin>" : flags.file) << ": internal error: " << e.what() << "\n";
    return 2;
  }
}

}  // namespace

void add_convert_command(CLI::App& app, int& exit_code) {
  auto flags = std::make_shared<ConvertFlags>();
  auto* cmd = app.add_subcommand("convert", "Print the ModelServing, ModelServer and ModelRoute of a ModelBooster");
  cmd->add_option("-f,--filename", flags->file, "ModelBooster YAML or JSON file, - for stdin")->required();
  cmd->add_option("--uid", flags->uid,
                  "The ModelBooster's UID, for the owner references and the model-uid label (default: metadata.uid; "
                  "without one, no owner reference is written)");
  cmd->add_option("--downloader-image", flags->options.downloader_image, "Model downloader image")
      ->capture_default_str();
  cmd->add_option("--runtime-image", flags->options.runtime_image, "Runtime sidecar image")->capture_default_str();
  cmd->footer("See docs/convert.md for what a ModelBooster becomes.");
  cmd->callback([flags, &exit_code] { exit_code = run_convert(*flags); });
}

}  // namespace kthena::cli
