// One committed change, as the event log stores it and watchers receive it.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "apiserver/storage/object_key.h"

namespace kthena::apiserver {

enum class EventType { kAdded = 0, kModified = 1, kDeleted = 2 };

std::string_view to_string(EventType type);  // "ADDED", "MODIFIED", "DELETED"

struct StoreEvent {
  int64_t rv = 0;  // the resourceVersion this change created; every change has its own
  EventType type = EventType::kAdded;
  ObjectKey key;
  StoredObject object;  // the new state; for kDeleted the last state, carrying the deletion's resourceVersion
  ObjectPtr previous;   // the state before, so that selector watches see objects enter and leave; null if none
                        // or unknown (events reloaded from disk after a restart)
};

using EventPtr = std::shared_ptr<const StoreEvent>;

}  // namespace kthena::apiserver
