// ModelServing status pieces as upstream's UpdateModelServingStatus writes them (spec kthena-workload.md §3.11):
// the condition merge, the scale subresource's selector and the choice of status.currentRevision.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "api/json.h"

namespace kthena::controllers::modelserving {

// Merges `condition` ({type, status, reason, message}) into status.conditions (creating it) with upstream's
// SetCondition rule:
//   - an existing condition of the same type is replaced only when its status changes (lastTransitionTime = now);
//     otherwise it is kept as it is, message included;
//   - Available is mutually exclusive with Progressing and with UpdateInProgress: setting one True sets a True other
//     to False, with lastTransitionTime = now (Progressing and UpdateInProgress are not exclusive);
//   - a type not present yet is appended.
// `now` is an RFC 3339 time (api::format_rfc3339). Returns whether status.conditions changed.
bool set_condition(Json& status, Json condition, std::string_view now);

// status.labelSelector: the entry pod of the first role's first instance in every ServingGroup, so that HPA and KEDA
// count one pod per group: "modelserving.volcano.sh/entry=true,modelserving.volcano.sh/name=<ms>,
// modelserving.volcano.sh/role=<roles[0].name>,modelserving.volcano.sh/role-id=<roles[0].name>-0" (keys sorted, as
// labels.Set.String() prints them). Without roles only the first two terms.
std::string scale_label_selector(const Json& ms);

// status.currentRevision: `existing` while some group that is not updated still runs it; `update_revision` once every
// group is updated (`non_updated_group_revisions` empty); otherwise the revision most of the non-updated groups run,
// ties broken by the lexicographically smallest (upstream's tie follows Go's random map order).
std::string choose_current_revision(std::string_view existing, std::string_view update_revision,
                                    std::span<const std::string> non_updated_group_revisions);

}  // namespace kthena::controllers::modelserving
