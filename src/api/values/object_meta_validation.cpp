#include "api/values/object_meta_validation.h"

#include <fmt/format.h>

#include <algorithm>

#include "api/values/selector.h"

namespace kthena::api {
namespace {

std::string string_field(const Json& object, const char* key) {
  if (!object.is_object()) return {};
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

void append(FieldErrors& to, FieldErrors from) {
  to.insert(to.end(), from.begin(), from.end());
}

FieldErrors validate_owner_references(const Json& refs, const FieldPath& path) {
  FieldErrors errs;
  if (!refs.is_array()) return errs;
  std::string first_controller;
  for (const Json& ref : refs) {
    std::string api_version = string_field(ref, "apiVersion");
    std::string version =
        api_version.substr(api_version.find('/') == std::string::npos ? 0 : api_version.find('/') + 1);
    if (version.empty()) errs.push_back(invalid(path.child("apiVersion"), api_version, "version must not be empty"));
    if (string_field(ref, "kind").empty()) errs.push_back(invalid(path.child("kind"), "", "kind must not be empty"));
    if (string_field(ref, "name").empty()) errs.push_back(invalid(path.child("name"), "", "name must not be empty"));
    if (string_field(ref, "uid").empty()) errs.push_back(invalid(path.child("uid"), "", "uid must not be empty"));
    if (ref.is_object() && ref.value("controller", false) == true) {
      std::string current = string_field(ref, "kind") + "/" + string_field(ref, "name");
      if (!first_controller.empty()) {
        errs.push_back(invalid(path, refs,
                               fmt::format("Only one reference can have Controller set to true. Found \"true\" in "
                                           "references for {} and {}",
                                           first_controller, current)));
      } else {
        first_controller = current;
      }
    }
  }
  return errs;
}

FieldErrors validate_finalizers(const Json& finalizers, const FieldPath& path) {
  FieldErrors errs;
  if (!finalizers.is_array()) return errs;
  bool orphan = false, foreground = false;
  for (const Json& f : finalizers) {
    if (!f.is_string()) continue;
    std::string name = f.get<std::string>();
    for (const std::string& m : is_qualified_name(name)) errs.push_back(invalid(path, name, m));
    orphan = orphan || name == "orphan";
    foreground = foreground || name == "foregroundDeletion";
  }
  if (orphan && foreground) {
    errs.push_back(invalid(path, finalizers, "finalizer orphan and foregroundDeletion cannot be both set"));
  }
  return errs;
}

}  // namespace

FieldErrors validate_annotations(const Json& annotations, const FieldPath& path) {
  FieldErrors errs;
  if (!annotations.is_object()) return errs;
  size_t total = 0;
  for (const auto& [k, v] : annotations.items()) {
    std::string lower = k;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    for (const std::string& m : is_qualified_name(lower)) errs.push_back(invalid(path, k, m));
    total += k.size() + (v.is_string() ? v.get_ref<const std::string&>().size() : 0);
  }
  if (total > kTotalAnnotationSizeLimit) errs.push_back(too_long(path, "", kTotalAnnotationSizeLimit));
  return errs;
}

FieldErrors validate_object_meta(const Json& metadata, const ObjectMetaOptions& options, const FieldPath& path) {
  FieldErrors errs;
  std::string name = string_field(metadata, "name");
  std::string generate_name = string_field(metadata, "generateName");
  std::string ns = string_field(metadata, "namespace");
  if (!generate_name.empty()) {
    for (const std::string& m : options.name_validator(generate_name, true)) {
      errs.push_back(invalid(path.child("generateName"), generate_name, m));
    }
  }
  if (name.empty()) {
    if (options.require_name || generate_name.empty()) {
      errs.push_back(required(path.child("name"), "name or generateName is required"));
    }
  } else {
    for (const std::string& m : options.name_validator(name, false))
      errs.push_back(invalid(path.child("name"), name, m));
  }
  if (options.namespaced) {
    if (ns.empty()) {
      if (options.require_namespace) errs.push_back(required(path.child("namespace"), ""));
    } else {
      for (const std::string& m : name_is_dns_label(ns, false)) errs.push_back(invalid(path.child("namespace"), ns, m));
    }
  } else if (!ns.empty()) {
    errs.push_back(forbidden(path.child("namespace"), "not allowed on this type"));
  }
  if (metadata.is_object()) {
    if (auto it = metadata.find("generation"); it != metadata.end() && it->is_number() && it->get<double>() < 0) {
      errs.push_back(invalid(path.child("generation"), *it, "must be greater than or equal to 0"));
    }
    if (auto it = metadata.find("labels"); it != metadata.end())
      append(errs, validate_labels(*it, path.child("labels")));
    if (auto it = metadata.find("annotations"); it != metadata.end()) {
      append(errs, validate_annotations(*it, path.child("annotations")));
    }
    if (auto it = metadata.find("ownerReferences"); it != metadata.end()) {
      append(errs, validate_owner_references(*it, path.child("ownerReferences")));
    }
    if (auto it = metadata.find("finalizers"); it != metadata.end()) {
      append(errs, validate_finalizers(*it, path.child("finalizers")));
    }
  }
  return errs;
}

FieldErrors validate_object_meta_update(const Json& metadata, const Json& old_metadata, const FieldPath& path) {
  FieldErrors errs;
  for (const char* key : {"name", "namespace", "uid", "creationTimestamp"}) {
    Json now = metadata.is_object() && metadata.contains(key) ? metadata[key] : Json();
    Json before = old_metadata.is_object() && old_metadata.contains(key) ? old_metadata[key] : Json();
    if (now != before) errs.push_back(invalid(path.child(key), now.is_null() ? Json("") : now, "field is immutable"));
  }
  return errs;
}

}  // namespace kthena::api
