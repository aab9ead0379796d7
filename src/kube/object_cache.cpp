#include "kube/object_cache.h"

namespace kthena::kube {
namespace {

std::string meta_string(const Json& object, const char* key) {
  auto meta = object.find("metadata");
  if (meta == object.end() || !meta->is_object()) return {};
  auto it = meta->find(key);
  return it != meta->end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

ObjectCache::ObjectCache() {
  index_fns_["namespace"] = [](const Json& object) {
    return std::vector<std::string>{meta_string(object, "namespace")};
  };
}

std::string ObjectCache::key_of(const Json& object) {
  std::string ns = meta_string(object, "namespace");
  std::string name = meta_string(object, "name");
  return ns.empty() ? name : ns + "/" + name;
}

void ObjectCache::add_index(const std::string& name, IndexFn fn) {
  std::unique_lock lock(mutex_);
  index_fns_[name] = std::move(fn);
  for (const auto& [key, object] : objects_) {
    for (auto& value : index_fns_[name](*object)) indexes_[name][value].insert(key);
  }
}

ObjectPtr ObjectCache::get(std::string_view key) const {
  std::shared_lock lock(mutex_);
  auto it = objects_.find(key);
  return it == objects_.end() ? nullptr : it->second;
}

ObjectPtr ObjectCache::get(std::string_view ns, std::string_view name) const {
  if (ns.empty()) return get(name);
  std::string key(ns);
  key += "/";
  key += name;
  return get(key);
}

std::vector<ObjectPtr> ObjectCache::list() const {
  std::shared_lock lock(mutex_);
  std::vector<ObjectPtr> out;
  out.reserve(objects_.size());
  for (const auto& [key, object] : objects_) out.push_back(object);
  return out;
}

std::vector<ObjectPtr> ObjectCache::by_index(const std::string& index, const std::string& value) const {
  std::shared_lock lock(mutex_);
  std::vector<ObjectPtr> out;
  auto by_name = indexes_.find(index);
  if (by_name == indexes_.end()) return out;
  auto keys = by_name->second.find(value);
  if (keys == by_name->second.end()) return out;
  for (const auto& key : keys->second) {
    if (auto it = objects_.find(key); it != objects_.end()) out.push_back(it->second);
  }
  return out;
}

size_t ObjectCache::size() const {
  std::shared_lock lock(mutex_);
  return objects_.size();
}

void ObjectCache::index_locked(const std::string& key, const Json& object) {
  for (const auto& [name, fn] : index_fns_) {
    for (auto& value : fn(object)) indexes_[name][value].insert(key);
  }
}

void ObjectCache::unindex_locked(const std::string& key, const Json& object) {
  for (const auto& [name, fn] : index_fns_) {
    auto& index = indexes_[name];
    for (auto& value : fn(object)) {
      auto it = index.find(value);
      if (it == index.end()) continue;
      it->second.erase(key);
      if (it->second.empty()) index.erase(it);
    }
  }
}

ObjectPtr ObjectCache::upsert(ObjectPtr object) {
  std::string key = key_of(*object);
  std::unique_lock lock(mutex_);
  ObjectPtr previous;
  if (auto it = objects_.find(key); it != objects_.end()) {
    previous = it->second;
    unindex_locked(key, *previous);
  }
  index_locked(key, *object);
  objects_[key] = std::move(object);
  return previous;
}

ObjectPtr ObjectCache::remove(std::string_view key) {
  std::unique_lock lock(mutex_);
  auto it = objects_.find(key);
  if (it == objects_.end()) return nullptr;
  ObjectPtr previous = it->second;
  unindex_locked(it->first, *previous);
  objects_.erase(it);
  return previous;
}

ObjectCache::Delta ObjectCache::replace(std::vector<ObjectPtr> objects) {
  Delta delta;
  std::map<std::string, ObjectPtr, std::less<>> fresh;
  for (auto& object : objects) fresh[key_of(*object)] = std::move(object);
  std::unique_lock lock(mutex_);
  for (const auto& [key, old] : objects_) {
    if (!fresh.count(key)) delta.deleted.push_back(old);
  }
  for (const auto& [key, object] : fresh) {
    auto it = objects_.find(key);
    if (it == objects_.end()) {
      delta.added.push_back(object);
    } else {
      delta.updated.emplace_back(it->second, object);
    }
  }
  objects_ = std::move(fresh);
  indexes_.clear();
  for (const auto& [key, object] : objects_) index_locked(key, *object);
  return delta;
}

}  // namespace kthena::kube
