#include "apiserver/apply/managed_fields.h"

#include <fmt/format.h>

#include "api/values/rfc3339_time.h"

namespace kthena::apiserver {
namespace {

struct Entry {
  std::string manager;
  std::string operation;  // "Apply" or "Update"
  std::string api_version;
  std::string time;
  std::string subresource;
  FieldSet fields;
};

std::string text(const Json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::vector<Entry> entries_of(const Json& object) {
  std::vector<Entry> out;
  if (!object.is_object() || !object.contains("metadata") || !object["metadata"].is_object()) return out;
  const Json& list = object["metadata"].value("managedFields", Json::array());
  if (!list.is_array()) return out;
  for (const Json& e : list) {
    if (!e.is_object()) continue;
    out.push_back({text(e, "manager"), text(e, "operation"), text(e, "apiVersion"), text(e, "time"),
                   text(e, "subresource"), FieldSet::from_fields_v1(e.value("fieldsV1", Json::object()))});
  }
  return out;
}

void store_entries(Json& object, const std::vector<Entry>& entries) {
  Json list = Json::array();
  for (const Entry& e : entries) {
    if (e.fields.empty()) continue;
    Json entry = {{"manager", e.manager}, {"operation", e.operation}, {"apiVersion", e.api_version},
                  {"time", e.time},       {"fieldsType", "FieldsV1"}, {"fieldsV1", e.fields.to_fields_v1()}};
    if (!e.subresource.empty()) entry["subresource"] = e.subresource;
    list.push_back(std::move(entry));
  }
  if (!object["metadata"].is_object()) object["metadata"] = Json::object();
  if (list.empty()) {
    object["metadata"].erase("managedFields");
  } else {
    object["metadata"]["managedFields"] = std::move(list);
  }
}

Entry& entry_for(std::vector<Entry>& entries, const FieldManager& who, const char* operation) {
  for (Entry& e : entries) {
    if (e.manager == who.manager && e.operation == operation && e.subresource == who.subresource) return e;
  }
  entries.push_back({who.manager, operation, who.api_version, "", who.subresource, {}});
  return entries.back();
}

FieldScope scope_of(const FieldManager& who) {
  return who.subresource == "status" ? FieldScope::kStatus : FieldScope::kObject;
}

}  // namespace

std::string manager_from_user_agent(std::string_view user_agent) {
  std::string_view first = user_agent.substr(0, user_agent.find('/'));
  // Kubernetes caps a manager's name at 128 characters.
  return std::string(first.substr(0, 128));
}

void record_update(const Json* old, Json& next, const FieldManager& who, const ListRuleLookup& rules) {
  const Json empty = Json::object();
  const Json& before = old != nullptr ? *old : empty;
  std::vector<Entry> entries = entries_of(before);
  FieldScope scope = scope_of(who);
  FieldSet changed = changed_fields(before, next, rules, scope);
  // Fields no longer set leave every entry, whoever owned them.
  FieldSet present = fields_of(next, rules, scope);
  bool touched = false;
  for (Entry& e : entries) {
    if ((e.subresource == "status") != (scope == FieldScope::kStatus)) continue;
    FieldSet kept = e.fields.intersect(present).minus(changed);
    if (kept.to_fields_v1() != e.fields.to_fields_v1()) {
      e.fields = std::move(kept);
      touched = true;
    }
  }
  if (!changed.empty()) {
    Entry& mine = entry_for(entries, who, "Update");
    mine.fields.insert(changed);
    mine.api_version = who.api_version;
    mine.time = api::now_rfc3339();
    touched = true;
  }
  if (touched || old == nullptr) {
    store_entries(next, entries);
  } else if (before.contains("metadata") && before["metadata"].contains("managedFields")) {
    next["metadata"]["managedFields"] = before["metadata"]["managedFields"];
  } else {
    next["metadata"].erase("managedFields");
  }
}

ApiResult<Json> server_side_apply(const Json* current, const Json& config, const FieldManager& who, bool force,
                                  const ListRuleLookup& rules, const Normalize& normalize) {
  const Json empty = Json::object();
  const Json& live = current != nullptr ? *current : empty;
  std::vector<Entry> entries = entries_of(live);
  FieldSet applied = fields_of(config, rules, FieldScope::kObject);

  auto merged = apply_strategic_merge_patch(live, config, rules);
  if (!merged) return fail(status_from(merged.error()));
  Json next = std::move(*merged);
  // Values are compared as they would be stored: the result with the server's defaults.
  const Json result = normalize ? normalize(next) : next;

  // Conflicts: a field of another manager whose value this apply would change.
  std::vector<StatusCause> causes;
  for (Entry& e : entries) {
    if (e.manager == who.manager || e.subresource == "status") continue;
    FieldSet shared = applied.intersect(e.fields);
    FieldSet contested;
    for (const auto& path : shared.members()) {
      if (path.back().starts_with("k:")) continue;  // a list element itself: its fields are compared one by one
      auto wanted = value_at(result, path), had = value_at(live, path);
      if (wanted.has_value() == had.has_value() && (!wanted || same_value(*wanted, *had))) continue;
      causes.push_back({"FieldManagerConflict", fmt::format("conflict with \"{}\" using {}", e.manager, e.api_version),
                        field_path_text(path)});
      FieldSet one;
      FieldSet::Node* node = &one.root();
      for (const std::string& element : path) node = &node->children[element];
      node->member = true;
      contested.insert(one);
    }
    if (force) e.fields = e.fields.minus(contested);
  }
  if (!causes.empty() && !force) {
    ApiStatus status;
    status.code = 409;
    status.reason = "Conflict";
    std::string list;
    for (const StatusCause& c : causes) list += (list.empty() ? "" : "\n") + c.message + ": " + c.field;
    status.message = causes.size() == 1 ? fmt::format("Apply failed with 1 conflict: {}", list)
                                        : fmt::format("Apply failed with {} conflicts: {}", causes.size(), list);
    status.causes = std::move(causes);
    return fail(std::move(status));
  }

  // What this manager applied before and no longer applies goes, unless someone else owns it.
  Entry& mine = entry_for(entries, who, "Apply");
  FieldSet others;
  for (const Entry& e : entries) {
    if (&e != &mine && e.subresource.empty()) others.insert(e.fields);
  }
  for (const auto& path : mine.fields.minus(applied).members()) {
    if (!FieldSet::covers_any(others.root(), path)) remove_at(next, path);
  }
  if (mine.fields.to_fields_v1() != applied.to_fields_v1() || mine.time.empty()) {
    mine.fields = std::move(applied);
    mine.time = api::now_rfc3339();
  }
  mine.api_version = who.api_version;
  store_entries(next, entries);
  return next;
}

}  // namespace kthena::apiserver
