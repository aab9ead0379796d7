// Revisions of a ModelServing (spec §3.7). The revision hashes the role templates without the fields that scaling
// and rollout knobs touch (role replicas, maxUnavailable, partition), so that scaling never looks like an update;
// the role template hash is the same for one role and drives RoleRollingUpdate. A ControllerRevision
// `<ms>-<revision>` keeps each revision's roles, so that a group or role protected by a partition, or recreated after
// a failure, is rebuilt from the template it was created with.
#pragma once

#include <optional>
#include <string>

#include "api/json.h"

namespace kthena::controllers::modelserving {

// The revision of `roles` (spec.template.roles).
std::string serving_revision(const Json& roles);
// The template hash of one role.
std::string role_template_hash(const Json& role);

// The ControllerRevision that records `roles` as `revision` of `ms`.
Json build_controller_revision(const Json& ms, const std::string& revision, const Json& roles);
// The roles a ControllerRevision recorded (its data.data), nullopt when it holds none.
std::optional<Json> roles_of_revision(const Json& controller_revision);

// The role named `name` in `roles`, or null.
const Json* find_role(const Json& roles, std::string_view name);

}  // namespace kthena::controllers::modelserving
