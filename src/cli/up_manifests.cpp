#include "cli/up_manifests.h"

#include <ostream>
#include <thread>

#include <unistd.h>

#include "api/json_fields.h"
#include "cli/manifest_files.h"
#include "ctl/booster_progress.h"
#include "kube/kubeconfig.h"

namespace kthena::cli {
namespace {

using namespace std::chrono_literals;

// The model name clients send for a booster: its ModelRoute's modelName (spec.name, else metadata.name).
std::string booster_model(const Json& booster) {
  std::string name = api::lenient::str(api::lenient::member(booster, "spec"), "name");
  return name.empty() ? api::lenient::str(api::lenient::member(booster, "metadata"), "name") : name;
}

void print_try_it(std::ostream& out, const std::string& router, const std::string& model) {
  out << "kthena up: model \"" << model << "\" answers at " << router << "/v1. Try it:\n"
      << "  curl " << router << "/v1/chat/completions -H 'Content-Type: application/json' \\\n"
      << "    -d '{\"model\": \"" << model << "\", \"messages\": [{\"role\": \"user\", \"content\": \"Hello!\"}]}'\n"
      << "  # or with the OpenAI SDK (Python: pip install openai)\n"
      << "  python3 -c 'from openai import OpenAI; c = OpenAI(base_url=\"" << router
      << "/v1\", api_key=\"unused\"); print(c.chat.completions.create(model=\"" << model
      << "\", messages=[{\"role\": \"user\", \"content\": \"Hello!\"}]).choices[0].message.content)'" << std::endl;
}

}  // namespace

Result<std::vector<ctl::ManifestObject>> load_up_manifests(const std::vector<std::string>& inputs) {
  std::vector<ctl::ManifestObject> objects;
  std::vector<std::string> files;
  for (const std::string& input : inputs) {
    if (input == "-") {
      files.push_back(input);
      continue;
    }
    ManifestFiles found = find_manifests({input});
    if (!found.errors.empty()) return fail(found.errors.front());
    files.insert(files.end(), found.files.begin(), found.files.end());
  }
  for (const std::string& file : files) {
    auto text = file == "-" ? read_manifest_stdin() : read_manifest(file);
    if (!text) return fail(text.error());
    auto parsed = ctl::manifest_objects(*text, file == "-" ? "<stdin>" : file, "default", false);
    if (!parsed) return fail(parsed.error());
    for (auto& object : *parsed) objects.push_back(std::move(object));
  }
  return objects;
}

void deploy_up_manifests(const up::Platform& platform, const std::vector<ctl::ManifestObject>& objects, bool wait,
                         std::chrono::seconds timeout, std::ostream& out, std::stop_token stop) {
  auto config = kube::load_kubeconfig_file(platform.kubeconfig);
  auto client =
      config ? kube::KubeClient::create(*config) : Result<std::shared_ptr<kube::KubeClient>>(fail(config.error()));
  if (!client) {
    out << "kthena up: cannot reach the API server: " << client.error().to_string() << std::endl;
    return;
  }
  ctl::BoosterProgress progress(**client, out, ::isatty(STDOUT_FILENO) == 1);
  std::vector<std::string> models;
  bool tracked = false;
  for (const ctl::ManifestObject& object : objects) {
    // The controllers' admission and the API server are up, but a restarted API server may still be loading: a few
    // attempts before the error is reported.
    Result<ctl::ApplyOutcome> applied = fail(ErrorCode::kUnavailable, "not tried");
    for (int attempt = 0; attempt < 5 && !stop.stop_requested(); attempt++) {
      applied = ctl::apply_object(**client, object);
      if (applied || (applied.error().code != ErrorCode::kUnavailable && applied.error().code != ErrorCode::kIo)) break;
      std::this_thread::sleep_for(1s);
    }
    if (!applied) {
      out << "kthena up: " << applied.error().to_string() << std::endl;
      continue;
    }
    out << "kthena up: " << ctl::object_reference(object.kind, object.name) << " " << ctl::to_string(*applied)
        << std::endl;
    std::string kind = api::lenient::str(object.object, "kind");
    if (kind == "ModelBooster") {
      progress.track(object.ns, object.name);
      models.push_back(booster_model(object.object));
      tracked = true;
    } else if (kind == "ModelServing") {
      progress.track_serving(object.ns, object.name);
      tracked = true;
    } else if (kind == "ModelRoute") {
      models.push_back(api::lenient::str(api::lenient::member(object.object, "spec"), "modelName"));
    }
  }
  if (!wait || !tracked) return;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!stop.stop_requested()) {
    auto done = progress.poll_once();
    if (done && *done) break;
    if (std::chrono::steady_clock::now() >= deadline) {
      out << "kthena up: not every model became Active within " << timeout.count()
          << " s; `kthena status` and `kubectl get events` say why" << std::endl;
      return;
    }
    std::this_thread::sleep_for(500ms);
  }
  if (stop.stop_requested()) return;
  for (const std::string& model : models) print_try_it(out, platform.router_url, model);
}

}  // namespace kthena::cli
