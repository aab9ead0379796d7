#include "controllers/expectations.h"

namespace kthena::controllers {
namespace {

constexpr auto kExpectationTimeout = std::chrono::seconds(30);

}  // namespace

void Expectations::created(const std::string& key, const std::string& pod_name) {
  std::lock_guard lock(mutex_);
  entries_[key].creates[pod_name] = Clock::now() + kExpectationTimeout;
}

void Expectations::deleted(const std::string& key, const std::string& pod_uid) {
  std::lock_guard lock(mutex_);
  entries_[key].deletes[pod_uid] = Clock::now() + kExpectationTimeout;
}

std::pair<std::set<std::string>, std::set<std::string>> Expectations::pending(
    const std::string& key, const std::vector<kube::ObjectPtr>& pods) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return {};
  std::set<std::string> names, uids;
  for (const kube::ObjectPtr& pod : pods) {
    const Json& meta = pod->at("metadata");
    names.insert(meta.value("name", std::string()));
    uids.insert(meta.value("uid", std::string()));
  }
  auto now = Clock::now();
  std::pair<std::set<std::string>, std::set<std::string>> out;
  for (auto c = it->second.creates.begin(); c != it->second.creates.end();) {
    if (names.count(c->first) || c->second < now) {
      c = it->second.creates.erase(c);
    } else {
      out.first.insert(c->first);
      ++c;
    }
  }
  for (auto d = it->second.deletes.begin(); d != it->second.deletes.end();) {
    if (!uids.count(d->first) || d->second < now) {
      d = it->second.deletes.erase(d);
    } else {
      out.second.insert(d->first);
      ++d;
    }
  }
  if (it->second.creates.empty() && it->second.deletes.empty()) entries_.erase(it);
  return out;
}

bool Expectations::expects_deletion(const std::string& key, const std::string& pod_uid) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(key);
  return it != entries_.end() && it->second.deletes.count(pod_uid) != 0;
}

void Expectations::forget(const std::string& key) {
  std::lock_guard lock(mutex_);
  entries_.erase(key);
}

}  // namespace kthena::controllers
