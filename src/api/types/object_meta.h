// The subset of Kubernetes ObjectMeta that the typed views need: identity, labels, ordering and deletion.
#pragma once

#include <cstdint>
#include <string>

#include "api/json.h"
#include "api/types/field_reader.h"
#include "common/result.h"

namespace kthena::api {

struct ObjectMeta {
  std::string name;
  std::string namespace_name;
  std::string uid;
  std::string resource_version;    // opaque; upstream compares it as a string when ordering duplicates
  std::string creation_timestamp;  // RFC 3339 as stored ("2026-01-02T03:04:05Z"); orders lexically within a zone
  int64_t generation = 0;
  bool deleting = false;  // metadata.deletionTimestamp is set
  Labels labels;

  // "namespace/name", the key informers and logs use.
  std::string key() const { return namespace_name + "/" + name; }
};

// Reads object["metadata"]. `name` is required; a missing namespace reads as "default".
Result<ObjectMeta> decode_object_meta(const Json& object);

}  // namespace kthena::api
