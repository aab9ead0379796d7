#include "apiserver/apply/field_set.h"

namespace kthena::apiserver {
namespace {

using Node = FieldSet::Node;

void read(const Json& fields, Node& node) {
  if (!fields.is_object() || fields.empty()) {
    node.member = true;
    return;
  }
  for (const auto& [key, value] : fields.items()) {
    if (key == ".") {
      node.member = true;
      continue;
    }
    read(value, node.children[key]);
  }
}

Json write(const Node& node) {
  Json out = Json::object();
  if (node.member && !node.children.empty()) out["."] = Json::object();
  for (const auto& [key, child] : node.children) out[key] = write(child);
  return out;
}

void merge(Node& into, const Node& from) {
  into.member = into.member || from.member;
  for (const auto& [key, child] : from.children) merge(into.children[key], child);
}

// The members of `a` that are not members of `b`; empty intermediate nodes are dropped.
bool minus(const Node& a, const Node* b, Node& out) {
  out.member = a.member && !(b != nullptr && b->member);
  for (const auto& [key, child] : a.children) {
    const Node* other = nullptr;
    if (b != nullptr) {
      auto it = b->children.find(key);
      if (it != b->children.end()) other = &it->second;
    }
    Node result;
    if (minus(child, other, result)) out.children.emplace(key, std::move(result));
  }
  return out.member || !out.children.empty();
}

bool intersect(const Node& a, const Node& b, Node& out) {
  out.member = a.member && b.member;
  for (const auto& [key, child] : a.children) {
    auto it = b.children.find(key);
    if (it == b.children.end()) continue;
    Node result;
    if (intersect(child, it->second, result)) out.children.emplace(key, std::move(result));
  }
  return out.member || !out.children.empty();
}

void collect(const Node& node, std::vector<std::string>& path, std::vector<std::vector<std::string>>& out) {
  if (node.member && !path.empty()) out.push_back(path);
  for (const auto& [key, child] : node.children) {
    path.push_back(key);
    collect(child, path, out);
    path.pop_back();
  }
}

bool any_member(const Node& node) {
  if (node.member) return true;
  for (const auto& [key, child] : node.children) {
    if (any_member(child)) return true;
  }
  return false;
}

}  // namespace

FieldSet FieldSet::from_fields_v1(const Json& fields) {
  FieldSet set;
  if (!fields.is_object()) return set;
  for (const auto& [key, value] : fields.items()) {
    if (key != ".") read(value, set.root_.children[key]);
  }
  return set;
}

Json FieldSet::to_fields_v1() const {
  Json out = Json::object();
  for (const auto& [key, child] : root_.children) out[key] = write(child);
  return out;
}

void FieldSet::insert(const FieldSet& other) {
  merge(root_, other.root_);
}

FieldSet FieldSet::minus(const FieldSet& other) const {
  FieldSet out;
  kthena::apiserver::minus(root_, &other.root_, out.root_);
  return out;
}

FieldSet FieldSet::intersect(const FieldSet& other) const {
  FieldSet out;
  kthena::apiserver::intersect(root_, other.root_, out.root_);
  return out;
}

bool FieldSet::covers_any(const Node& node, const std::vector<std::string>& path, size_t at) {
  if (at == path.size()) return any_member(node);
  if (node.member && at > 0) return true;  // a member above the path (an atomic list or map) owns all below it
  auto it = node.children.find(path[at]);
  return it != node.children.end() && covers_any(it->second, path, at + 1);
}

std::vector<std::vector<std::string>> FieldSet::members() const {
  std::vector<std::vector<std::string>> out;
  std::vector<std::string> path;
  collect(root_, path, out);
  return out;
}

std::string field_path_text(const std::vector<std::string>& path) {
  std::string out;
  for (const std::string& element : path) {
    if (element.size() < 2) continue;
    std::string_view rest = std::string_view(element).substr(2);
    if (element.starts_with("f:")) {
      out += "." + std::string(rest);
    } else if (element.starts_with("k:")) {
      // k:{"name":"web"} -> [name="web"]
      std::string keys;
      try {
        Json key = Json::parse(rest);
        for (const auto& [k, v] : key.items()) keys += (keys.empty() ? "" : ",") + k + "=" + v.dump();
      } catch (const std::exception&) {
        keys = std::string(rest);
      }
      out += "[" + keys + "]";
    } else if (element.starts_with("v:")) {
      out += "[=" + std::string(rest) + "]";
    } else if (element.starts_with("i:")) {
      out += "[" + std::string(rest) + "]";
    }
  }
  return out;
}

}  // namespace kthena::apiserver
