#include "apiserver/patch/strategic_merge_patch.h"

#include <fmt/format.h>

#include <algorithm>
#include <optional>

namespace kthena::apiserver {
namespace {

constexpr std::string_view kSetElementOrder = "$setElementOrder/";
constexpr std::string_view kDeleteFromPrimitiveList = "$deleteFromPrimitiveList/";

using Path = std::vector<std::string>;

std::string render(const Path& path) {
  std::string out;
  for (const auto& part : path) out += (out.empty() ? "" : ".") + part;
  return out;
}

class Merger {
 public:
  explicit Merger(const ListRuleLookup& rules) : rules_(rules) {}

  // Merges `patch` into `target`; returns false when the patch deletes the map itself ($patch: delete).
  Result<bool> merge_map(Json& target, const Json& patch, Path& path) {
    if (!target.is_object()) target = Json::object();
    if (auto it = patch.find("$patch"); it != patch.end()) {
      std::string directive = it->is_string() ? it->get<std::string>() : "";
      if (directive == "delete") return false;
      if (directive == "replace") {
        target = Json::object();
        Json rest = patch;
        rest.erase("$patch");
        return merge_map(target, rest, path);
      }
      if (directive != "merge") {
        return fail(ErrorCode::kBadRequest, fmt::format("{}: unknown $patch directive {}", render(path), it->dump()));
      }
    }
    std::vector<std::pair<std::string, const Json*>> orders;
    for (const auto& [key, value] : patch.items()) {
      if (key == "$patch" || key == "$retainKeys") continue;
      if (key.rfind(kSetElementOrder, 0) == 0) {
        orders.emplace_back(key.substr(kSetElementOrder.size()), &value);
        continue;
      }
      if (key.rfind(kDeleteFromPrimitiveList, 0) == 0) {
        std::string field = key.substr(kDeleteFromPrimitiveList.size());
        auto list = target.find(field);
        if (list != target.end() && list->is_array() && value.is_array()) {
          Json kept = Json::array();
          for (const auto& item : *list) {
            if (std::find(value.begin(), value.end(), item) == value.end()) kept.push_back(item);
          }
          *list = std::move(kept);
        }
        continue;
      }
      if (!key.empty() && key[0] == '$') {
        return fail(ErrorCode::kBadRequest, fmt::format("{}: unknown directive \"{}\"", render(path), key));
      }
      path.push_back(key);
      auto r = merge_field(target, key, value, path);
      path.pop_back();
      if (!r) return fail(r.error());
    }
    for (const auto& [field, order] : orders) {
      auto list = target.find(field);
      if (list == target.end() || !list->is_array() || !order->is_array()) continue;
      path.push_back(field);
      reorder(*list, *order, rules_(path));
      path.pop_back();
    }
    if (auto it = patch.find("$retainKeys"); it != patch.end() && it->is_array()) {
      std::vector<std::string> drop;
      for (const auto& [key, value] : target.items()) {
        if (std::find(it->begin(), it->end(), Json(key)) == it->end()) drop.push_back(key);
      }
      for (const auto& key : drop) target.erase(key);
    }
    return true;
  }

 private:
  Result<void> merge_field(Json& target, const std::string& key, const Json& value, Path& path) {
    if (value.is_null()) {
      target.erase(key);
      return {};
    }
    if (value.is_object()) {
      Json& slot = target[key];
      auto kept = merge_map(slot, value, path);
      if (!kept) return fail(kept.error());
      if (!*kept) target.erase(key);
      return {};
    }
    if (value.is_array()) {
      Json current = target.contains(key) && target[key].is_array() ? target[key] : Json::array();
      auto merged = merge_list(current, value, rules_(path), path);
      if (!merged) return fail(merged.error());
      target[key] = std::move(*merged);
      return {};
    }
    target[key] = value;
    return {};
  }

  // A patch element as a stored value: directives applied to an empty object.
  Result<std::optional<Json>> fresh(const Json& element, Path& path) {
    if (!element.is_object()) return std::optional<Json>(element);
    Json out = Json::object();
    auto kept = merge_map(out, element, path);
    if (!kept) return fail(kept.error());
    if (!*kept) return std::optional<Json>();
    return std::optional<Json>(std::move(out));
  }

  Result<Json> merge_list(Json current, const Json& patch, const ListMergeRule& rule, Path& path) {
    if (rule.kind == ListMergeRule::Kind::kUnion) {
      for (const auto& item : patch) {
        if (std::find(current.begin(), current.end(), item) == current.end()) current.push_back(item);
      }
      return current;
    }
    bool replace = rule.kind == ListMergeRule::Kind::kReplace;
    for (const auto& item : patch) {
      if (item.is_object() && item.size() == 1 && item.value("$patch", Json()) == "replace") replace = true;
    }
    if (replace) {
      Json out = Json::array();
      for (const auto& item : patch) {
        if (item.is_object() && item.size() == 1 && item.value("$patch", Json()) == "replace") continue;
        auto value = fresh(item, path);
        if (!value) return fail(value.error());
        if (*value) out.push_back(std::move(**value));
      }
      return out;
    }
    for (const auto& item : patch) {
      if (!item.is_object() || !item.contains(rule.key)) {
        return fail(ErrorCode::kBadRequest, fmt::format("{}: map: {} does not contain declared merge key: {}",
                                                        render(path), item.dump(), rule.key));
      }
      const Json& id = item[rule.key];
      auto match = std::find_if(current.begin(), current.end(), [&](const Json& e) {
        return e.is_object() && e.contains(rule.key) && e[rule.key] == id;
      });
      if (item.value("$patch", Json()) == "delete") {
        if (match != current.end()) current.erase(match);
        continue;
      }
      if (match != current.end()) {
        auto kept = merge_map(*match, item, path);
        if (!kept) return fail(kept.error());
        if (!*kept) current.erase(match);
      } else {
        auto value = fresh(item, path);
        if (!value) return fail(value.error());
        if (*value) current.push_back(std::move(**value));
      }
    }
    return current;
  }

  // $setElementOrder: the elements it names come first, in its order; the others keep their relative order after.
  static void reorder(Json& list, const Json& order, const ListMergeRule& rule) {
    auto identity = [&](const Json& element) -> Json {
      if (rule.kind == ListMergeRule::Kind::kMergeByKey && element.is_object()) return element.value(rule.key, Json());
      return element;
    };
    Json sorted = Json::array();
    std::vector<bool> used(list.size(), false);
    for (const auto& wanted : order) {
      Json id = identity(wanted);
      for (size_t i = 0; i < list.size(); ++i) {
        if (!used[i] && identity(list[i]) == id) {
          sorted.push_back(list[i]);
          used[i] = true;
          break;
        }
      }
    }
    for (size_t i = 0; i < list.size(); ++i) {
      if (!used[i]) sorted.push_back(list[i]);
    }
    list = std::move(sorted);
  }

  const ListRuleLookup& rules_;
};

}  // namespace

Result<Json> apply_strategic_merge_patch(const Json& original, const Json& patch, const ListRuleLookup& rules) {
  if (!patch.is_object()) return fail(ErrorCode::kBadRequest, "a strategic merge patch must be a JSON object");
  Json result = original;
  Merger merger(rules);
  Path path;
  auto kept = merger.merge_map(result, patch, path);
  if (!kept) return fail(kept.error());
  if (!*kept) return fail(ErrorCode::kBadRequest, "$patch: delete of the whole object is not allowed");
  return result;
}

}  // namespace kthena::apiserver
