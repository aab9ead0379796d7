#include "apiserver/served_resources.h"

#include <algorithm>

namespace kthena::apiserver {

ServedResources::ServedResources(std::vector<ServedResource> resources) : resources_(std::move(resources)) {
  // The core group first, as every API server lists it.
  std::stable_sort(resources_.begin(), resources_.end(), [](const ServedResource& a, const ServedResource& b) {
    return a.info.group.empty() && !b.info.group.empty();
  });
  for (size_t i = 0; i < resources_.size(); ++i) {
    auto& r = resources_[i];
    if (r.columns.empty()) r.columns = table_columns(r.info, r.printer_columns);
    const auto& info = r.info;
    by_gvr_[{info.group, info.version, info.resource}] = i;
    by_gr_.emplace(std::make_pair(info.group, info.resource), i);
    by_kind_.emplace(std::make_pair(info.group, info.kind), i);
    auto group = std::find_if(groups_.begin(), groups_.end(), [&](const auto& g) { return g.first == info.group; });
    if (group == groups_.end()) {
      groups_.push_back({info.group, {info.version}});
    } else if (std::find(group->second.begin(), group->second.end(), info.version) == group->second.end()) {
      group->second.push_back(info.version);
    }
  }
}

const ServedResource* ServedResources::find(const std::string& group, const std::string& version,
                                            const std::string& plural) const {
  auto it = by_gvr_.find({group, version, plural});
  return it == by_gvr_.end() ? nullptr : &resources_[it->second];
}

const ServedResource* ServedResources::find(const std::string& group, const std::string& plural) const {
  auto it = by_gr_.find({group, plural});
  return it == by_gr_.end() ? nullptr : &resources_[it->second];
}

const ServedResource* ServedResources::find_kind(const std::string& group, const std::string& kind) const {
  auto it = by_kind_.find({group, kind});
  return it == by_kind_.end() ? nullptr : &resources_[it->second];
}

}  // namespace kthena::apiserver
