#include "apiserver/rest/discovery.h"

#include "apiserver/rest/reviews.h"

namespace kthena::apiserver {
namespace {

const Json kVerbs = Json::array({"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"});
const Json kSubresourceVerbs = Json::array({"get", "patch", "update"});

Json group_version(const std::string& group, const std::string& version) {
  return {{"groupVersion", group.empty() ? version : group + "/" + version}, {"version", version}};
}

Json group_entry(const std::string& group, const std::vector<std::string>& versions) {
  Json list = Json::array();
  for (const auto& v : versions) list.push_back(group_version(group, v));
  return {{"name", group}, {"versions", list}, {"preferredVersion", group_version(group, versions.front())}};
}

const Json kReviewVerbs = Json::array({"create"});

// The review APIs' groups (rest/reviews.h), after the served ones, each with its one version.
std::vector<std::string> review_groups() {
  std::vector<std::string> groups;
  for (const auto& review : review_resources()) {
    if (groups.empty() || groups.back() != review.group) groups.push_back(review.group);
  }
  return groups;
}

}  // namespace

Json legacy_core_versions(const std::string& server_address) {
  return {
      {"kind", "APIVersions"},
      {"versions", Json::array({"v1"})},
      {"serverAddressByClientCIDRs", Json::array({{{"clientCIDR", "0.0.0.0/0"}, {"serverAddress", server_address}}})}};
}

Json legacy_group_list(const ServedResources& resources) {
  Json groups = Json::array();
  for (const auto& [group, versions] : resources.groups()) {
    if (!group.empty()) groups.push_back(group_entry(group, versions));
  }
  for (const auto& group : review_groups()) groups.push_back(group_entry(group, {"v1"}));
  return {{"kind", "APIGroupList"}, {"apiVersion", "v1"}, {"groups", groups}};
}

Json legacy_group(const ServedResources& resources, const std::string& group) {
  for (const auto& [name, versions] : resources.groups()) {
    if (name == group && !group.empty()) {
      Json out = {{"kind", "APIGroup"}, {"apiVersion", "v1"}};
      Json entry = group_entry(group, versions);
      for (auto& [k, v] : entry.items()) out[k] = v;
      return out;
    }
  }
  for (const auto& name : review_groups()) {
    if (name != group) continue;
    Json out = {{"kind", "APIGroup"}, {"apiVersion", "v1"}};
    Json entry = group_entry(group, {"v1"});
    for (auto& [k, v] : entry.items()) out[k] = v;
    return out;
  }
  return nullptr;
}

Json resource_list(const ServedResources& resources, const std::string& group, const std::string& version) {
  Json list = Json::array();
  bool found = false;
  for (const auto& served : resources.all()) {
    const auto& r = served.info;
    if (r.group != group || r.version != version) continue;
    found = true;
    Json entry = {{"name", r.resource},
                  {"singularName", r.singular},
                  {"namespaced", r.namespaced},
                  {"kind", r.kind},
                  {"verbs", kVerbs}};
    if (!r.short_names.empty()) entry["shortNames"] = r.short_names;
    if (!r.categories.empty()) entry["categories"] = r.categories;
    list.push_back(std::move(entry));
    if (r.status_subresource) {
      list.push_back({{"name", r.resource + "/status"},
                      {"singularName", ""},
                      {"namespaced", r.namespaced},
                      {"kind", r.kind},
                      {"verbs", kSubresourceVerbs}});
    }
    if (r.scale) {
      list.push_back({{"name", r.resource + "/scale"},
                      {"singularName", ""},
                      {"namespaced", r.namespaced},
                      {"group", "autoscaling"},
                      {"version", "v1"},
                      {"kind", "Scale"},
                      {"verbs", kSubresourceVerbs}});
    }
  }
  for (const auto& review : review_resources()) {
    if (review.group != group || review.version != version) continue;
    found = true;
    list.push_back({{"name", review.resource},
                    {"singularName", review.resource.substr(0, review.resource.size() - 1)},
                    {"namespaced", false},
                    {"kind", review.kind},
                    {"verbs", kReviewVerbs}});
  }
  if (!found) return nullptr;
  return {{"kind", "APIResourceList"},
          {"apiVersion", "v1"},
          {"groupVersion", group.empty() ? version : group + "/" + version},
          {"resources", list}};
}

Json aggregated_discovery(const ServedResources& resources, bool core) {
  Json items = Json::array();
  for (const auto& [group, versions] : resources.groups()) {
    if (group.empty() != core) continue;
    Json version_list = Json::array();
    for (const auto& version : versions) {
      Json list = Json::array();
      for (const auto& served : resources.all()) {
        const auto& r = served.info;
        if (r.group != group || r.version != version) continue;
        Json kind = {{"group", r.group}, {"version", r.version}, {"kind", r.kind}};
        Json entry = {{"resource", r.resource},
                      {"responseKind", kind},
                      {"scope", r.namespaced ? "Namespaced" : "Cluster"},
                      {"singularResource", r.singular},
                      {"verbs", kVerbs}};
        if (!r.short_names.empty()) entry["shortNames"] = r.short_names;
        if (!r.categories.empty()) entry["categories"] = r.categories;
        Json subresources = Json::array();
        if (r.status_subresource) {
          subresources.push_back({{"subresource", "status"}, {"responseKind", kind}, {"verbs", kSubresourceVerbs}});
        }
        if (r.scale) {
          subresources.push_back({{"subresource", "scale"},
                                  {"responseKind", {{"group", "autoscaling"}, {"version", "v1"}, {"kind", "Scale"}}},
                                  {"verbs", kSubresourceVerbs}});
        }
        if (!subresources.empty()) entry["subresources"] = std::move(subresources);
        list.push_back(std::move(entry));
      }
      version_list.push_back({{"version", version}, {"resources", list}, {"freshness", "Current"}});
    }
    Json metadata = Json::object();
    if (!group.empty()) metadata["name"] = group;
    items.push_back({{"metadata", metadata}, {"versions", version_list}});
  }
  if (!core) {
    for (const auto& group : review_groups()) {
      Json list = Json::array();
      for (const auto& review : review_resources()) {
        if (review.group != group) continue;
        list.push_back({{"resource", review.resource},
                        {"responseKind", {{"group", review.group}, {"version", review.version}, {"kind", review.kind}}},
                        {"scope", "Cluster"},
                        {"singularResource", review.resource.substr(0, review.resource.size() - 1)},
                        {"verbs", kReviewVerbs}});
      }
      Json version = {{"version", "v1"}, {"resources", list}, {"freshness", "Current"}};
      items.push_back({{"metadata", {{"name", group}}}, {"versions", Json::array({version})}});
    }
  }
  return {{"kind", "APIGroupDiscoveryList"},
          {"apiVersion", "apidiscovery.k8s.io/v2"},
          {"metadata", Json::object()},
          {"items", items}};
}

}  // namespace kthena::apiserver
