// Sets of field paths in the shape of metadata.managedFields[].fieldsV1 (structured-merge-diff's FieldsV1): each
// path element is "f:<field>", "k:<key object as JSON>" (an element of a list-type=map list), or "v:<value as
// JSON>" (an element of a set list); a node is a member of the set when it has no children or carries ".".
#pragma once

#include <map>
#include <string>
#include <vector>

#include "api/json.h"

namespace kthena::apiserver {

class FieldSet {
 public:
  struct Node {
    bool member = false;
    std::map<std::string, Node> children;
  };

  FieldSet() = default;
  // Malformed input (not objects) reads as the empty set: managedFields are the server's, never trusted input.
  static FieldSet from_fields_v1(const Json& fields);
  Json to_fields_v1() const;

  bool empty() const { return root_.children.empty() && !root_.member; }
  Node& root() { return root_; }
  const Node& root() const { return root_; }

  void insert(const FieldSet& other);               // union
  FieldSet minus(const FieldSet& other) const;      // members of this one not in `other`
  FieldSet intersect(const FieldSet& other) const;  // members of both
  // Whether `node`'s set has a member at, above or below `path`: whether anything there is owned.
  static bool covers_any(const Node& node, const std::vector<std::string>& path, size_t at = 0);

  // Every member path, in order.
  std::vector<std::vector<std::string>> members() const;

 private:
  Node root_;
};

// ".spec.template.spec.containers[name=\"web\"].image", as kube-apiserver names a field in a conflict.
std::string field_path_text(const std::vector<std::string>& path);

}  // namespace kthena::apiserver
