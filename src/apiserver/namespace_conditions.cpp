#include "apiserver/namespace_conditions.h"

#include <fmt/format.h>

namespace kthena::apiserver {
namespace {

struct ConditionText {
  std::string status;
  std::string reason;
  std::string message;
};

// Each entry "<key><joiner><count><suffix>", joined by ", " in key order, as kube's namespaced resources deleter.
std::string join_counts(const std::map<std::string, size_t>& counts, const char* format) {
  std::string out;
  for (const auto& [key, count] : counts) {
    if (!out.empty()) out += ", ";
    out += fmt::format(fmt::runtime(format), key, count);
  }
  return out;
}

const Json* find_condition(const Json& conditions, const std::string& type) {
  if (!conditions.is_array()) return nullptr;
  for (const Json& c : conditions) {
    if (c.is_object() && c.value("type", "") == type) return &c;
  }
  return nullptr;
}

}  // namespace

Json namespace_deletion_conditions(const NamespaceContent& content, const Json& old_conditions,
                                   const std::string& now) {
  std::pair<std::string, ConditionText> wanted[] = {
      {"NamespaceDeletionDiscoveryFailure", {"False", "ResourcesDiscovered", "All resources successfully discovered"}},
      {"NamespaceDeletionGroupVersionParsingFailure",
       {"False", "ParsedGroupVersions", "All legacy kube types successfully parsed"}},
      {"NamespaceDeletionContentFailure",
       {"False", "ContentDeleted", "All content successfully deleted, may be waiting on finalization"}},
      {"NamespaceContentRemaining", {"False", "ContentRemoved", "All content successfully removed"}},
      {"NamespaceFinalizersRemaining",
       {"False", "ContentHasNoFinalizers", "All content-preserving finalizers have been removed"}},
  };
  if (!content.by_resource.empty()) {
    wanted[3].second = {
        "True", "SomeResourcesRemain",
        "Some resources are remaining: " + join_counts(content.by_resource, "{} has {} resource instances")};
  }
  if (!content.by_finalizer.empty()) {
    wanted[4].second = {"True", "SomeFinalizersRemain",
                        "Some content in the namespace has finalizers remaining: " +
                            join_counts(content.by_finalizer, "{} in {} resource instances")};
  }
  Json out = Json::array();
  for (const auto& [type, text] : wanted) {
    Json condition = {{"type", type},
                      {"status", text.status},
                      {"lastTransitionTime", now},
                      {"reason", text.reason},
                      {"message", text.message}};
    if (const Json* old = find_condition(old_conditions, type);
        old != nullptr && old->value("status", "") == text.status && old->value("reason", "") == text.reason &&
        old->value("message", "") == text.message) {
      condition["lastTransitionTime"] = old->value("lastTransitionTime", now);
    }
    out.push_back(std::move(condition));
  }
  return out;
}

}  // namespace kthena::apiserver
