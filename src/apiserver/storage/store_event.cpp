#include "apiserver/storage/store_event.h"

namespace kthena::apiserver {

std::string_view to_string(EventType type) {
  switch (type) {
    case EventType::kAdded:
      return "ADDED";
    case EventType::kModified:
      return "MODIFIED";
    case EventType::kDeleted:
      return "DELETED";
  }
  return "MODIFIED";
}

}  // namespace kthena::apiserver
