#include "api/validation/model_server_validation.h"

#include <string>

#include "api/validation/json_view.h"
#include "api/values/selector.h"

namespace kthena::api {
namespace {

using validation::member;
using validation::string_or;

void check_labels(const Json* labels, const FieldPath& path, FieldErrors& errs) {
  if (validation::object_size(labels) == 0) {
    errs.push_back(required(path, "labels must contain at least one label"));
  } else if (auto selector = Selector::from_label_selector(Json{{"matchLabels", *labels}}); !selector) {
    errs.push_back(invalid(path, *labels, "invalid selector: " + selector.error().message));
  }
}

}  // namespace

FieldErrors validate_model_server(const Json& object, const Json* /*old_object*/) {
  FieldErrors errs;
  FieldPath selector_path = FieldPath("spec").child("workloadSelector");
  const Json* selector = validation::path(object, "spec", "workloadSelector");
  if (selector == nullptr) {
    errs.push_back(required(selector_path, "workloadSelector must be specified"));
    return errs;
  }
  check_labels(member(*selector, "matchLabels"), selector_path.child("matchLabels"), errs);
  if (const Json* pd = member(*selector, "pdGroup")) {
    FieldPath pd_path = selector_path.child("pdGroup");
    if (string_or(member(*pd, "groupKey")).empty()) {
      errs.push_back(required(pd_path.child("groupKey"), "groupKey must be specified"));
    }
    check_labels(member(*pd, "prefillLabels"), pd_path.child("prefillLabels"), errs);
    check_labels(member(*pd, "decodeLabels"), pd_path.child("decodeLabels"), errs);
  }
  return errs;
}

void default_model_server(Json& object) {
  if (!object.is_object()) return;
  auto spec = object.find("spec");
  if (spec == object.end() || !spec->is_object() || member(*spec, "workloadPort") != nullptr) return;
  std::string engine = string_or(member(*spec, "inferenceEngine"));
  if (engine != "vLLM" && engine != "SGLang") return;  // validation reports the engine
  (*spec)["workloadPort"] = {{"port", engine == "SGLang" ? 30000 : 8000}, {"protocol", "http"}};
}

}  // namespace kthena::api
