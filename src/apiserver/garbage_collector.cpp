#include "apiserver/garbage_collector.h"

#include "apiserver/namespace_conditions.h"
#include "apiserver/object_rules.h"
#include "common/log.h"

namespace kthena::apiserver {
namespace {

bool has_finalizer(const Json& object, const std::string& name) {
  auto list = finalizers_of(object);
  return std::find(list.begin(), list.end(), name) != list.end();
}

}  // namespace

GarbageCollector::GarbageCollector(Store& store, ObjectService& objects, ResourceLookup lookup)
    : store_(store), objects_(objects), lookup_(std::move(lookup)) {}

GarbageCollector::~GarbageCollector() {
  stop();
}

void GarbageCollector::start(std::chrono::milliseconds period) {
  worker_ = std::jthread([this, period](std::stop_token stop) { run(stop, period); });
}

void GarbageCollector::stop() {
  if (worker_.joinable()) {
    worker_.request_stop();
    wake_.notify_all();
    worker_.join();
  }
}

void GarbageCollector::poke() {
  {
    std::lock_guard lock(mutex_);
    poked_ = true;
  }
  wake_.notify_all();
}

void GarbageCollector::run(std::stop_token stop, std::chrono::milliseconds period) {
  try {
    while (!stop.stop_requested()) {
      // Each pass can make more garbage (a deleted dependent owns others): repeat until nothing changes, with a
      // bound so that a pathological cycle cannot spin.
      for (int pass = 0; pass < 100 && !stop.stop_requested(); ++pass) {
        if (collect_once() == 0) break;
      }
      std::unique_lock lock(mutex_);
      wake_.wait_for(lock, stop, period, [this] { return poked_; });
      poked_ = false;
    }
  } catch (const std::exception& e) {
    spdlog::error("garbage collector stopped: {}", e.what());
  }
}

size_t GarbageCollector::collect_once() {
  return collect_orphans() + collect_deleting_owners() + collect_namespaces();
}

bool GarbageCollector::delete_object(const ObjectKey& key) {
  const ResourceInfo* resource = lookup_(key.group, key.resource);
  if (resource == nullptr) return false;
  auto deleted = objects_.remove(*resource, key.ns, key.name, DeleteOptions{.propagation = "Background"});
  if (!deleted && deleted.error().code != 404) {
    spdlog::warn("garbage collector: delete {}: {}", key.to_string(), deleted.error().message);
    return false;
  }
  return deleted.has_value();
}

size_t GarbageCollector::collect_orphans() {
  size_t changed = 0;
  for (const auto& owner_uid : store_.missing_owners()) {
    for (const auto& key : store_.dependents(owner_uid)) {
      auto stored = store_.get(key);
      const ResourceInfo* resource = lookup_(key.group, key.resource);
      if (!stored || resource == nullptr) continue;
      bool live_owner = false;
      for (const auto& ref : (*stored->object)["metadata"].value("ownerReferences", Json::array())) {
        std::string uid = string_at(ref, "uid");
        if (!uid.empty() && store_.key_of_uid(uid)) live_owner = true;
      }
      if (live_owner) {
        auto r = objects_.mutate(*resource, key.ns, key.name,
                                 [&](Json& object) { remove_owner_reference(object, owner_uid); });
        changed += r.has_value() ? 1 : 0;
      } else if (!is_deleting(*stored->object)) {
        changed += delete_object(key) ? 1 : 0;
      }
    }
  }
  return changed;
}

size_t GarbageCollector::collect_deleting_owners() {
  size_t changed = 0;
  auto owners = store_.scan([](const ObjectKey&, const Json& object) {
    return is_deleting(object) && (has_finalizer(object, "foregroundDeletion") || has_finalizer(object, "orphan"));
  });
  for (const auto& [key, stored] : owners) {
    const ResourceInfo* resource = lookup_(key.group, key.resource);
    if (resource == nullptr) continue;
    const std::string uid = uid_of(*stored.object);
    auto dependents = store_.dependents(uid);
    if (has_finalizer(*stored.object, "orphan")) {
      for (const auto& dependent : dependents) {
        if (const ResourceInfo* r = lookup_(dependent.group, dependent.resource)) {
          (void)objects_.mutate(*r, dependent.ns, dependent.name,
                                [&](Json& object) { remove_owner_reference(object, uid); });
        }
      }
      (void)objects_.mutate(*resource, key.ns, key.name, [](Json& object) { remove_finalizer(object, "orphan"); });
      ++changed;
      continue;
    }
    if (dependents.empty()) {
      (void)objects_.mutate(*resource, key.ns, key.name,
                            [](Json& object) { remove_finalizer(object, "foregroundDeletion"); });
      ++changed;
      continue;
    }
    for (const auto& dependent : dependents) {
      auto current = store_.get(dependent);
      if (current && !is_deleting(*current->object)) changed += delete_object(dependent) ? 1 : 0;
    }
  }
  return changed;
}

size_t GarbageCollector::collect_namespaces() {
  size_t changed = 0;
  auto terminating = store_.scan([](const ObjectKey& key, const Json& object) {
    return key.group.empty() && key.resource == "namespaces" && is_deleting(object);
  });
  for (const auto& [key, stored] : terminating) {
    const std::string& ns = key.name;
    auto contents = store_.scan([&](const ObjectKey& k, const Json&) { return k.ns == ns; });
    if (contents.empty()) {
      const ResourceInfo* resource = lookup_("", "namespaces");
      if (resource == nullptr) continue;
      (void)objects_.mutate(*resource, "", ns, [](Json& object) {
        if (object.contains("spec") && object["spec"].contains("finalizers")) object["spec"].erase("finalizers");
      });
      ++changed;
      continue;
    }
    for (const auto& [content_key, content] : contents) {
      if (!is_deleting(*content.object)) changed += delete_object(content_key) ? 1 : 0;
    }
    report_remaining(ns);
  }
  return changed;
}

// What still holds a terminating namespace, in its status conditions (kubectl get ns -o yaml shows why it stays).
// Not counted as a change: a pass that only reports must not make the collector run again at once.
void GarbageCollector::report_remaining(const std::string& ns) {
  NamespaceContent content;
  for (const auto& [key, stored] : store_.scan([&](const ObjectKey&k, const Json&) { return k.ns == ns; })) {
    ++content.by_resource[key.resource + "." + key.group];
    for (const std::string& finalizer : finalizers_of(*stored.object)) ++content.by_finalizer[finalizer];
  }
  const ResourceInfo* resource = lookup_("", "namespaces");
  if (resource == nullptr) return;
  const std::string now = now_rfc3339();
  (void)objects_.mutate(*resource, "", ns, [&](Json& object) {
    Json& status = object["status"];
    status["conditions"] = namespace_deletion_conditions(content, status.value("conditions", Json::array()), now);
  });
}

}  // namespace kthena::apiserver
