// Structural comparison of CustomResourceDefinitions: what a CRD promises to clients and to the API server
// (names, scope, versions, subresources, printer columns, and every validation-relevant keyword of the schema
// tree), with descriptions and key order ignored. Differences come back as one line per schema node, so that a
// list of deliberate divergences can be matched against them exactly.
#pragma once

#include <algorithm>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "api/json.h"
#include "api/registry/crd_renderer.h"

namespace kthena::testing {

// Folds what is equal in meaning but written differently: controller-gen's `allOf` of identical enums becomes one
// enum, CEL rules lose YAML line folding, `required` is a set, and key order does not count.
inline Json normalize_node(Json node) {
  if (auto it = node.find("allOf"); it != node.end() && it->is_array()) {
    bool only_enums = std::all_of(it->begin(), it->end(),
                                  [](const Json& s) { return s.is_object() && s.size() == 1 && s.contains("enum"); });
    if (only_enums && !it->empty()) {
      Json values = (*it)[0]["enum"];
      for (const Json& s : *it) {
        Json kept = Json::array();
        for (const Json& v : values) {
          if (std::find(s["enum"].begin(), s["enum"].end(), v) != s["enum"].end()) kept.push_back(v);
        }
        values = kept;
      }
      node.erase("allOf");
      node["enum"] = values;
    }
  }
  if (auto it = node.find("x-kubernetes-validations"); it != node.end() && it->is_array()) {
    for (Json& rule : *it) {
      if (!rule.contains("rule")) continue;
      std::istringstream words(rule["rule"].get<std::string>());
      std::string word, folded;
      while (words >> word) folded += (folded.empty() ? "" : " ") + word;
      rule["rule"] = folded;
    }
  }
  if (auto it = node.find("required"); it != node.end() && it->is_array()) {
    std::vector<std::string> names = it->get<std::vector<std::string>>();
    std::sort(names.begin(), names.end());
    *it = names;
  }
  return api::sort_keys(node);
}

// One entry per schema node: ".spec.replicas", ".spec.roles[]" (items), ".spec.labels{}" (additionalProperties).
// The value holds the node's own keywords (no description, no children).
inline void flatten_schema(const Json& node, const std::string& path, std::map<std::string, Json>& out) {
  Json own = Json::object();
  for (auto it = node.begin(); it != node.end(); ++it) {
    const std::string& k = it.key();
    if (k == "description" || k == "properties" || k == "items" || k == "additionalProperties") continue;
    own[k] = it.value();
  }
  out[path.empty() ? "." : path] = normalize_node(std::move(own));
  if (auto it = node.find("properties"); it != node.end()) {
    for (auto p = it->begin(); p != it->end(); ++p) flatten_schema(p.value(), path + "." + p.key(), out);
  }
  if (auto it = node.find("items"); it != node.end() && it->is_object()) flatten_schema(*it, path + "[]", out);
  if (auto it = node.find("additionalProperties"); it != node.end() && it->is_object()) {
    flatten_schema(*it, path + "{}", out);
  }
}

// Everything of a CRD but its schema, for comparison as a whole.
inline Json crd_envelope(const Json& crd) {
  Json spec = crd.value("spec", Json::object());
  Json out = {{"name", crd.value("metadata", Json::object()).value("name", "")},
              {"group", spec.value("group", "")},
              {"names", spec.value("names", Json::object())},
              {"scope", spec.value("scope", "")},
              {"versions", Json::array()}};
  for (const Json& v : spec.value("versions", Json::array())) {
    Json version = v;
    version.erase("schema");
    out["versions"].push_back(version);
  }
  return api::sort_keys(out);
}

struct NodeDifference {
  std::string path;
  Json upstream;  // null when the node exists only in ours
  Json ours;      // null when it exists only upstream
};

inline std::vector<NodeDifference> compare_schemas(const Json& upstream, const Json& ours) {
  std::map<std::string, Json> a, b;
  flatten_schema(upstream, "", a);
  flatten_schema(ours, "", b);
  std::set<std::string> paths;
  for (const auto& [p, _] : a) paths.insert(p);
  for (const auto& [p, _] : b) paths.insert(p);
  std::vector<NodeDifference> out;
  for (const std::string& p : paths) {
    Json x = a.count(p) ? a[p] : Json();
    Json y = b.count(p) ? b[p] : Json();
    if (x != y) out.push_back({p, x, y});
  }
  return out;
}

// The schema of a CRD's first (only) version.
inline const Json& crd_schema(const Json& crd) {
  return crd.at("spec").at("versions").at(0).at("schema").at("openAPIV3Schema");
}

}  // namespace kthena::testing
