// Field ownership, as kube-apiserver records it in metadata.managedFields: every write names a field manager (the
// request's fieldManager, else the first word of its User-Agent), and each entry (manager, operation, subresource)
// owns a set of fields. A write other than apply (operation Update) takes the fields it changes away from everyone
// else; server-side apply (operation Apply) owns exactly the fields of its configuration, fails with a 409 listing
// the fields whose value it would change from another manager's unless forced (then takes them), and removes the
// fields it applied before and no longer applies when nobody else owns them.
#pragma once

#include <functional>
#include <string>

#include "api/json.h"
#include "apiserver/api_status.h"
#include "apiserver/apply/object_fields.h"

namespace kthena::apiserver {

struct FieldManager {
  std::string manager;
  std::string api_version;  // of the request: "apps/v1"
  std::string subresource;  // "" or "status"
};

// The manager kube-apiserver names when a request has no fieldManager: its User-Agent up to the first "/".
std::string manager_from_user_agent(std::string_view user_agent);

// Sets `next`'s managedFields for an Update by `who` from `old` (null on create): the fields it changed become its
// own and no one else's; fields that `next` no longer has leave every entry.
void record_update(const Json* old, Json& next, const FieldManager& who, const ListRuleLookup& rules);

// The object as the server would store it (defaults filled), for comparing values: kube-apiserver decides conflicts
// on the defaulted result, so a configuration that omits what the server defaults conflicts with nobody.
using Normalize = std::function<Json(const Json& object)>;

// Server-side apply of `config` onto `current` (null: the object is created by this apply): the merged object, with
// managedFields, or 409 Conflict with one cause per contested field.
ApiResult<Json> server_side_apply(const Json* current, const Json& config, const FieldManager& who, bool force,
                                  const ListRuleLookup& rules, const Normalize& normalize = {});

}  // namespace kthena::apiserver
