#include "apiserver/builtin_objects.h"

namespace kthena::apiserver {

Json keep_transition_times(Json desired, const Json& stored) {
  if (!desired.is_object() || !desired.contains("conditions") || !stored.is_object() ||
      !stored.contains("conditions") || !stored["conditions"].is_array()) {
    return desired;
  }
  for (Json& condition : desired["conditions"]) {
    for (const Json& old : stored["conditions"]) {
      if (old.is_object() && old.value("type", "") == condition.value("type", "") &&
          old.value("status", "") == condition.value("status", "") && old.contains("lastTransitionTime")) {
        condition["lastTransitionTime"] = old["lastTransitionTime"];
      }
    }
  }
  return desired;
}

Result<void> ensure_builtin_objects(ObjectService& objects, const ServedResources& resources,
                                    const std::vector<BuiltinObject>& builtin) {
  for (const BuiltinObject& item : builtin) {
    const ServedResource* served = resources.find(item.group, item.resource);
    if (served == nullptr) return fail(ErrorCode::kInternal, "built-in object of unserved resource " + item.resource);
    const ResourceInfo& info = served->info;
    const std::string name = item.object["metadata"].value("name", "");
    const std::string ns = item.object["metadata"].value("namespace", "");
    auto stored = objects.get(info, ns, name);
    if (!stored) {
      Json object = item.object;
      object.erase("status");
      WriteOptions options;
      options.own_fields = false;
      auto created = objects.create(info, ns, std::move(object), options);
      if (!created) return fail(ErrorCode::kInternal, "create " + name + ": " + created.error().message);
      stored = created->object;
    }
    if (!item.object.contains("status")) continue;
    const Json& current = *stored->object;
    const Json old_status = current.contains("status") ? current["status"] : Json();
    Json status = keep_transition_times(item.object["status"], old_status);
    if (status == old_status) continue;
    auto written = objects.mutate(info, ns, name, [&](Json& object) { object["status"] = status; });
    if (!written) return fail(ErrorCode::kInternal, "write the status of " + name + ": " + written.error().message);
  }
  return {};
}

}  // namespace kthena::apiserver
