#include "api/schema/pruning.h"

#include <fmt/format.h>

namespace kthena::api {
namespace {

constexpr std::string_view kObjectMetaFields[] = {"name",
                                                  "generateName",
                                                  "namespace",
                                                  "selfLink",
                                                  "uid",
                                                  "resourceVersion",
                                                  "generation",
                                                  "creationTimestamp",
                                                  "deletionTimestamp",
                                                  "deletionGracePeriodSeconds",
                                                  "labels",
                                                  "annotations",
                                                  "ownerReferences",
                                                  "finalizers",
                                                  "managedFields"};

std::string join(const std::string& path, std::string_view name) {
  return path.empty() ? std::string(name) : path + "." + std::string(name);
}

class Pruner {
 public:
  explicit Pruner(bool apply) : apply_(apply) {}
  std::vector<std::string> take() { return std::move(dropped_); }

  void node(Json& value, const Schema& schema, const std::string& path, bool resource_root) {
    if (value.is_array()) {
      if (!schema.items) return;
      for (size_t i = 0; i < value.size(); ++i) node(value[i], *schema.items, fmt::format("{}[{}]", path, i), false);
      return;
    }
    if (!value.is_object()) return;
    bool embedded = resource_root || schema.embedded_resource;
    Json kept = Json::object();
    for (auto it = value.begin(); it != value.end(); ++it) {
      const std::string& key = it.key();
      std::string child = join(path, key);
      if (embedded && (key == "apiVersion" || key == "kind")) {
        if (apply_) kept[key] = std::move(it.value());
        continue;
      }
      if (embedded && key == "metadata") {
        metadata(it.value(), schema.property("metadata"), child);
        if (apply_) kept[key] = std::move(it.value());
        continue;
      }
      const Schema* member = schema.property(key);
      if (!member) member = schema.additional_properties;
      if (member) {
        node(it.value(), *member, child, false);
      } else if (!schema.preserve_unknown_fields && !schema.additional_properties_allowed) {
        dropped_.push_back(child);
        continue;
      }
      if (apply_) kept[key] = std::move(it.value());
    }
    if (apply_) value = std::move(kept);
  }

 private:
  // ObjectMeta is typed in the API server: unknown members go, known ones are pruned by the schema if it has one.
  void metadata(Json& value, const Schema* schema, const std::string& path) {
    if (!value.is_object()) return;
    Json kept = Json::object();
    for (auto it = value.begin(); it != value.end(); ++it) {
      bool known = false;
      for (std::string_view f : kObjectMetaFields) known = known || it.key() == f;
      if (!known) {
        dropped_.push_back(join(path, it.key()));
        continue;
      }
      if (schema) {
        if (const Schema* member = schema->property(it.key())) node(it.value(), *member, join(path, it.key()), false);
      }
      if (apply_) kept[it.key()] = std::move(it.value());
    }
    if (apply_) value = std::move(kept);
  }

  bool apply_;
  std::vector<std::string> dropped_;
};

}  // namespace

std::vector<std::string> prune(Json& value, const Schema& schema) {
  Pruner p(true);
  p.node(value, schema, "", true);
  return p.take();
}

std::vector<std::string> unknown_fields(const Json& value, const Schema& schema) {
  Json copy = value;
  Pruner p(false);
  p.node(copy, schema, "", true);
  return p.take();
}

}  // namespace kthena::api
