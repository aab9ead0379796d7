// `kthena convert -f FILE [--uid UID]`: prints, as multi-document YAML, the objects that the ModelBooster controller
// creates for each ModelBooster in FILE: ModelServing, ModelServer, ModelRoute, then any AutoscalingPolicy (a
// v0.2.0 booster's). FILE goes through admission first, so invalid input fails with `kthena validate`'s errors.
// Exit codes: 0 converted, 1 invalid or not convertible, 2 unreadable or unparsable.
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <optional>
#include <sstream>

#include "api/admission.h"
#include "api/codec/yaml_decoder.h"
#include "api/codec/yaml_encoder.h"
#include "cli/command.h"
#include "controllers/modelbooster/converter.h"

namespace kthena::cli {
namespace {

namespace mb = controllers::modelbooster;

struct ConvertFlags {
  std::string file;
  std::string uid;
  mb::ConvertOptions options;
};

Result<std::string> read_input(const std::string& file) {
  if (file == "-") return std::string(std::istreambuf_iterator<char>(std::cin), {});
  std::ifstream in(file, std::ios::binary);
  if (!in) return fail(ErrorCode::kIo, "cannot read " + file + ": " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// "ModelBooster/namespace/name" as `kthena validate` names an object in its errors ("default" when unset).
std::string object_ref(const Json& object) {
  const Json meta = object.value("metadata", Json::object());
  const std::string ns = meta.is_object() ? meta.value("namespace", "") : "";
  const std::string name = meta.is_object() ? meta.value("name", "") : "";
  return "ModelBooster/" + (ns.empty() ? std::string("default") : ns) + "/" + (name.empty() ? "<unnamed>" : name);
}

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
  const std::string who = object_ref(object);
  for (const std::string& w : admitted->warnings()) std::cerr << source << ": " << who << ": warning: " << w << "\n";
  for (const FieldError& e : admitted->errors) std::cerr << source << ": " << who << ": " << e.to_string() << "\n";
  if (!admitted->ok()) return std::nullopt;
  return std::move(admitted->object);
}

int run_convert(const ConvertFlags& flags) {
  const std::string source = flags.file == "-" ? "<stdin>" : flags.file;
  auto text = read_input(flags.file);
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
    const std::string kind = object.is_object() && object.contains("kind") && object["kind"].is_string()
                                 ? object["kind"].get<std::string>()
                                 : std::string();
    if (kind != "ModelBooster") {
      std::cerr << source << ":" << document.line << ": skipped: " << (kind.empty() ? "not a Kubernetes object" : kind)
                << " is not a ModelBooster\n";
      continue;
    }
    if (!flags.uid.empty()) object["metadata"]["uid"] = flags.uid;
    std::optional<Json> admitted = admit(source, document, object);
    if (!admitted) {
      status = 1;
      continue;
    }
    auto objects = converter->convert(*admitted);
    if (!objects) {
      std::cerr << source << ": " << object_ref(object) << ": " << objects.error().to_string() << "\n";
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
