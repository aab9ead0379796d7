#include "api/validation/webhooks.h"

namespace kthena::api {
namespace {

struct Entry {
  std::string_view group;
  std::string_view kind;
  Webhooks webhooks;
};

// One line per kind that has webhook rules.
constexpr Entry kEntries[] = {
    {"", "", {}},
};

}  // namespace

Webhooks find_webhooks(std::string_view group, std::string_view kind) {
  for (const Entry& e : kEntries) {
    if (!e.kind.empty() && e.group == group && e.kind == kind) return e.webhooks;
  }
  return {};
}

}  // namespace kthena::api
