#include "apiserver/rest/object_matcher.h"

#include <array>

#include "api/values/selector.h"

namespace kthena::apiserver {
namespace {

constexpr std::array<std::string_view, 21> kSupportedFields = {
    "metadata.name",
    "metadata.namespace",
    "spec.nodeName",
    "spec.schedulerName",
    "spec.restartPolicy",
    "spec.serviceAccountName",
    "status.phase",
    "status.podIP",
    "status.nominatedNodeName",
    "involvedObject.kind",
    "involvedObject.namespace",
    "involvedObject.name",
    "involvedObject.uid",
    "involvedObject.apiVersion",
    "involvedObject.resourceVersion",
    "involvedObject.fieldPath",
    "reason",
    "reportingComponent",
    "source",
    "type",
    "spec.unschedulable",
};

}  // namespace

std::string field_value(const Json& object, std::string_view path) {
  // Events: "source" means source.component.
  if (path == "source") return field_value(object, "source.component");
  const Json* node = &object;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('.', start);
    std::string part(path.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (!node->is_object()) return {};
    auto it = node->find(part);
    if (it == node->end()) return {};
    node = &*it;
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  if (node->is_string()) return node->get<std::string>();
  if (node->is_null()) return {};
  return node->dump();
}

Result<ObjectMatcher> make_object_matcher(std::string_view label_selector, std::string_view field_selector) {
  auto labels = api::Selector::parse_labels(label_selector);
  if (!labels) return fail(labels.error());
  auto fields = api::Selector::parse_fields(field_selector);
  if (!fields) return fail(fields.error());
  for (const auto& requirement : fields->requirements()) {
    bool supported = false;
    for (auto name : kSupportedFields) supported = supported || requirement.key == name;
    if (!supported) return fail(ErrorCode::kBadRequest, "field label not supported: " + requirement.key);
  }
  if (labels->matches_everything() && fields->matches_everything()) return ObjectMatcher();
  return ObjectMatcher([labels = std::move(*labels), fields = std::move(*fields)](const Json& object) {
    if (!labels.matches_everything()) {
      const Json& meta = object.contains("metadata") ? object["metadata"] : Json();
      if (!labels.matches_labels(meta.is_object() && meta.contains("labels") ? meta["labels"] : Json())) return false;
    }
    if (!fields.matches_everything()) {
      if (!fields.matches(
              [&](std::string_view key) -> std::optional<std::string> { return field_value(object, key); })) {
        return false;
      }
    }
    return true;
  });
}

}  // namespace kthena::apiserver
