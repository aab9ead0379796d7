// The identity of a stored object: (group, resource, namespace, name). The order sorts one resource's objects
// together, by namespace then name, so that listing a resource or one namespace of it is a range scan.
#pragma once

#include <compare>
#include <memory>
#include <string>

#include "api/json.h"

namespace kthena::apiserver {

struct ObjectKey {
  std::string group;     // "" for the core group
  std::string resource;  // the plural: "modelservings"
  std::string ns;        // "" for cluster-scoped objects
  std::string name;

  auto operator<=>(const ObjectKey&) const = default;
  bool operator==(const ObjectKey&) const = default;

  // "modelservings.workload.serving.volcano.sh default/demo", for logs and messages.
  std::string to_string() const;
};

// Stored objects are immutable once committed: readers share them without copying, and nobody can edit the
// store's copy by accident.
using ObjectPtr = std::shared_ptr<const Json>;
using JsonTextPtr = std::shared_ptr<const std::string>;

// One committed object with its serialized form (kept so that lists and watches never re-serialize).
struct StoredObject {
  ObjectPtr object;
  JsonTextPtr json;
  int64_t rv = 0;
};

}  // namespace kthena::apiserver
