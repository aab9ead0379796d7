// Names, labels and ordinals of what a ModelServing owns (spec kthena-workload.md §1.2, §3.1):
//   ServingGroup <ms>-<g>, role instance <role>-<r>, entry pod <ms>-<g>-<role>-<r>-0, workers ...-<i>,
//   headless Service = the entry pod's name, PodGroup = the group's name, ControllerRevision <ms>-<revision>.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace kthena::controllers::modelserving {

namespace labels {
inline constexpr std::string_view kName = "modelserving.volcano.sh/name";
inline constexpr std::string_view kGroupName = "modelserving.volcano.sh/group-name";
inline constexpr std::string_view kRole = "modelserving.volcano.sh/role";
inline constexpr std::string_view kRoleId = "modelserving.volcano.sh/role-id";
inline constexpr std::string_view kEntry = "modelserving.volcano.sh/entry";
inline constexpr std::string_view kRevision = "modelserving.volcano.sh/revision";
inline constexpr std::string_view kRoleTemplateHash = "modelserving.volcano.sh/role-template-hash";
}  // namespace labels

inline constexpr std::string_view kApiVersion = "workload.serving.volcano.sh/v1alpha1";
inline constexpr std::string_view kKind = "ModelServing";
inline constexpr std::string_view kGroup = "workload.serving.volcano.sh";
inline constexpr std::string_view kDeletionCostAnnotation = "controller.kubernetes.io/pod-deletion-cost";
inline constexpr std::string_view kVolcanoGroupAnnotation = "scheduling.k8s.io/group-name";
inline constexpr std::string_view kVolcanoTaskAnnotation = "volcano.sh/task-spec";

std::string group_name(std::string_view ms, int group);
std::string role_id(std::string_view role, int instance);
std::string pod_name(std::string_view group_name, std::string_view role_id, int index);
std::string revision_name(std::string_view ms, std::string_view revision);

// The trailing ordinal of "<prefix>-<n>" (upstream's `(.*)-([0-9]+)$`), nullopt when there is none or it overflows.
std::optional<int> ordinal_of(std::string_view name);

}  // namespace kthena::controllers::modelserving
