#include "apiserver/apply/object_fields.h"

#include <algorithm>

namespace kthena::apiserver {
namespace {

using Node = FieldSet::Node;

std::string key_element(const std::string& key, const Json& value) {
  return "k:" + Json{{key, value}}.dump();
}

// Whether every element of `list` is an object carrying the rule's key (else the list is one field).
bool keyed(const Json& list, const ListMergeRule& rule) {
  return rule.kind == ListMergeRule::Kind::kMergeByKey &&
         std::all_of(list.begin(), list.end(), [&](const Json& e) { return e.is_object() && e.contains(rule.key); });
}

void walk(const Json& value, Node& node, std::vector<std::string>& names, const ListRuleLookup& rules);

void walk_members(const Json& object, Node& node, std::vector<std::string>& names, const ListRuleLookup& rules) {
  for (const auto& [key, value] : object.items()) {
    names.push_back(key);
    walk(value, node.children["f:" + key], names, rules);
    names.pop_back();
  }
}

void walk(const Json& value, Node& node, std::vector<std::string>& names, const ListRuleLookup& rules) {
  if (value.is_object() && !value.empty()) {
    walk_members(value, node, names, rules);
    return;
  }
  if (value.is_array() && !value.empty()) {
    ListMergeRule rule = rules(names);
    if (keyed(value, rule)) {
      for (const Json& element : value) {
        Node& child = node.children[key_element(rule.key, element[rule.key])];
        child.member = true;
        walk_members(element, child, names, rules);
      }
      return;
    }
    if (rule.kind == ListMergeRule::Kind::kUnion) {
      for (const Json& element : value) node.children["v:" + element.dump()].member = true;
      return;
    }
  }
  node.member = true;  // a scalar, an empty map or list, or a list replaced as a whole
}

bool diff(const Json* old, const Json& next, Node& node, std::vector<std::string>& names, const ListRuleLookup& rules);

bool diff_members(const Json* old, const Json& next, Node& node, std::vector<std::string>& names,
                  const ListRuleLookup& rules) {
  bool any = false;
  for (const auto& [key, value] : next.items()) {
    const Json* before = old != nullptr && old->is_object() && old->contains(key) ? &(*old)[key] : nullptr;
    names.push_back(key);
    Node child;
    if (diff(before, value, child, names, rules)) {
      node.children["f:" + key] = std::move(child);
      any = true;
    }
    names.pop_back();
  }
  return any;
}

bool diff(const Json* old, const Json& next, Node& node, std::vector<std::string>& names, const ListRuleLookup& rules) {
  if (old == nullptr) {
    walk(next, node, names, rules);
    return true;
  }
  if (same_value(*old, next)) return false;
  if (next.is_object() && !next.empty() && old->is_object()) return diff_members(old, next, node, names, rules);
  if (next.is_array() && !next.empty() && old->is_array()) {
    ListMergeRule rule = rules(names);
    if (keyed(next, rule) && keyed(*old, rule)) {
      bool any = false;
      for (const Json& element : next) {
        auto match =
            std::find_if(old->begin(), old->end(), [&](const Json& e) { return e[rule.key] == element[rule.key]; });
        Node child;
        bool changed = match == old->end() ? (child.member = true, walk_members(element, child, names, rules), true)
                                           : diff_members(&*match, element, child, names, rules);
        if (changed) {
          node.children[key_element(rule.key, element[rule.key])] = std::move(child);
          any = true;
        }
      }
      return any;
    }
    if (rule.kind == ListMergeRule::Kind::kUnion) {
      bool any = false;
      for (const Json& element : next) {
        if (std::find(old->begin(), old->end(), element) == old->end()) {
          node.children["v:" + element.dump()].member = true;
          any = true;
        }
      }
      return any;
    }
  }
  node.member = true;
  return true;
}

// The object with only the fields of `scope`.
Json scoped(const Json& object, FieldScope scope) {
  Json out = Json::object();
  if (!object.is_object()) return out;
  if (scope == FieldScope::kStatus) {
    if (object.contains("status")) out["status"] = object["status"];
    return out;
  }
  for (const auto& [key, value] : object.items()) {
    if (key == "apiVersion" || key == "kind" || key == "status") continue;
    if (key != "metadata") {
      out[key] = value;
      continue;
    }
    if (!value.is_object()) continue;
    Json meta = Json::object();
    // What a client sets; the rest of metadata is identity or the server's.
    for (const char* field : {"labels", "annotations", "finalizers", "ownerReferences"}) {
      if (value.contains(field)) meta[field] = value[field];
    }
    if (!meta.empty()) out["metadata"] = std::move(meta);
  }
  return out;
}

// One path element down from `node` (Json or const Json), or nullptr.
template <class J>
J* step(J& node, const std::string& element) {
  std::string_view rest = std::string_view(element).substr(std::min<size_t>(2, element.size()));
  if (element.starts_with("f:")) {
    if (!node.is_object()) return nullptr;
    auto it = node.find(rest);
    return it == node.end() ? nullptr : &*it;
  }
  if (!node.is_array()) return nullptr;
  Json wanted;
  try {
    wanted = Json::parse(rest);
  } catch (const std::exception&) {
    return nullptr;
  }
  for (J& e : node) {
    if (element.starts_with("v:") && e == wanted) return &e;
    if (element.starts_with("k:") && e.is_object() && wanted.is_object()) {
      bool all = true;
      for (const auto& [k, v] : wanted.items()) all = all && e.contains(k) && e[k] == v;
      if (all) return &e;
    }
  }
  return nullptr;
}

}  // namespace

FieldSet fields_of(const Json& object, const ListRuleLookup& rules, FieldScope scope) {
  FieldSet set;
  Json fields = scoped(object, scope);
  std::vector<std::string> names;
  if (!fields.empty()) walk_members(fields, set.root(), names, rules);
  return set;
}

FieldSet changed_fields(const Json& old, const Json& next, const ListRuleLookup& rules, FieldScope scope) {
  FieldSet set;
  Json before = scoped(old, scope), after = scoped(next, scope);
  std::vector<std::string> names;
  diff_members(&before, after, set.root(), names, rules);
  return set;
}

bool same_value(const Json& a, const Json& b) {
  if (a.type() != b.type()) return a == b;  // numbers of different kinds compare by value
  if (a.is_object()) {
    if (a.size() != b.size()) return false;
    for (const auto& [key, value] : a.items()) {
      auto it = b.find(key);
      if (it == b.end() || !same_value(value, *it)) return false;
    }
    return true;
  }
  if (a.is_array()) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
      if (!same_value(a[i], b[i])) return false;
    }
    return true;
  }
  return a == b;
}

std::optional<Json> value_at(const Json& object, const std::vector<std::string>& path) {
  const Json* node = &object;
  for (const std::string& element : path) {
    node = step(*node, element);
    if (node == nullptr) return std::nullopt;
  }
  return *node;
}

void remove_at(Json& object, const std::vector<std::string>& path) {
  if (path.empty()) return;
  Json* node = &object;
  for (size_t i = 0; i + 1 < path.size(); ++i) {
    node = step(*node, path[i]);
    if (node == nullptr) return;
  }
  const std::string& last = path.back();
  if (last.starts_with("f:")) {
    if (node->is_object()) node->erase(last.substr(2));
    return;
  }
  Json* element = step(*node, last);
  if (element == nullptr) return;
  for (auto it = node->begin(); it != node->end(); ++it) {
    if (&*it == element) {
      node->erase(it);
      return;
    }
  }
}

}  // namespace kthena::apiserver
