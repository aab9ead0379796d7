#include "kube/informer.h"

#include <random>

#include "common/log.h"
#include "kube/api_error.h"
#include "kube/watch_stream.h"

namespace kthena::kube {
namespace {

std::string rv_of(const Json& object) {
  if (!object.is_object() || !object.contains("metadata") || !object["metadata"].is_object()) return {};
  const Json& meta = object["metadata"];
  return meta.contains("resourceVersion") && meta["resourceVersion"].is_string()
             ? meta["resourceVersion"].get<std::string>()
             : std::string();
}

}  // namespace

Informer::Informer(std::shared_ptr<KubeClient> client, Resource resource, InformerOptions options)
    : client_(std::move(client)), resource_(std::move(resource)), options_(std::move(options)) {}

Informer::~Informer() {
  stop();
}

void Informer::add_handler(EventHandler handler) {
  handlers_.push_back(std::move(handler));
}

void Informer::start() {
  thread_ = std::jthread([this](std::stop_token stop) { run(stop); });
}

void Informer::stop() {
  if (thread_.joinable()) {
    thread_.request_stop();
    changed_.notify_all();
    thread_.join();
  }
}

bool Informer::wait_for_sync(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [this] { return synced_.load(); });
}

std::string Informer::resource_version() const {
  std::lock_guard lock(mutex_);
  return rv_;
}

void Informer::sleep(std::stop_token stop, std::chrono::milliseconds duration) {
  std::unique_lock lock(mutex_);
  changed_.wait_for(lock, stop, duration, [] { return false; });
}

void Informer::dispatch_add(const ObjectPtr& object) {
  for (const auto& h : handlers_) {
    if (h.on_add) h.on_add(object);
  }
}

void Informer::dispatch_update(const ObjectPtr& old_object, const ObjectPtr& new_object) {
  for (const auto& h : handlers_) {
    if (h.on_update) h.on_update(old_object, new_object);
  }
}

void Informer::dispatch_delete(const ObjectPtr& object) {
  for (const auto& h : handlers_) {
    if (h.on_delete) h.on_delete(object);
  }
}

void Informer::maybe_resync() {
  if (options_.resync.count() <= 0) return;
  auto now = std::chrono::steady_clock::now();
  if (now - last_resync_ < options_.resync) return;
  last_resync_ = now;
  for (const auto& object : cache_.list()) dispatch_update(object, object);
}

bool Informer::list_and_apply() {
  ListOptions list_options{options_.label_selector, options_.field_selector, 500};
  auto listed = client_->list(resource_, options_.ns, list_options);
  if (!listed) {
    spdlog::warn("informer {}: list failed: {}", resource_.plural, listed.error().to_string());
    return false;
  }
  std::vector<ObjectPtr> objects;
  for (auto& item : (*listed)["items"]) {
    // A list's items carry no kind; handlers expect whole objects.
    if (!item.contains("kind")) {
      Json whole = {{"apiVersion", resource_.api_version()}, {"kind", resource_.kind}};
      for (auto& [k, v] : item.items()) whole[k] = std::move(v);
      item = std::move(whole);
    }
    objects.push_back(std::make_shared<const Json>(std::move(item)));
  }
  auto delta = cache_.replace(std::move(objects));
  {
    std::lock_guard lock(mutex_);
    rv_ = rv_of(*listed);
  }
  for (const auto& o : delta.deleted) dispatch_delete(o);
  for (const auto& o : delta.added) dispatch_add(o);
  for (const auto& [old_object, new_object] : delta.updated) {
    if (rv_of(*old_object) != rv_of(*new_object)) dispatch_update(old_object, new_object);
  }
  if (!synced_.exchange(true)) {
    std::lock_guard lock(mutex_);
    changed_.notify_all();
  }
  last_resync_ = std::chrono::steady_clock::now();
  return true;
}

bool Informer::watch_once(std::stop_token stop) {
  thread_local std::mt19937 random(std::random_device{}());
  auto base = options_.watch_timeout.count();
  WatchOptions watch_options;
  watch_options.label_selector = options_.label_selector;
  watch_options.field_selector = options_.field_selector;
  watch_options.resource_version = resource_version();
  watch_options.bookmarks = true;
  watch_options.idle_timeout = options_.watch_idle_timeout;
  watch_options.timeout = std::chrono::seconds(base + static_cast<long>(random() % static_cast<unsigned>(base + 1)));
  auto stream = client_->watch(resource_, options_.ns, watch_options);
  if (!stream) {
    spdlog::warn("informer {}: watch failed: {}", resource_.plural, stream.error().to_string());
    sleep(stop, backoff_);
    backoff_ = std::min(backoff_ * 2, options_.max_backoff);
    return false;
  }
  while (!stop.stop_requested()) {
    auto event = (*stream)->next(std::chrono::milliseconds(200));
    maybe_resync();
    if (!event) {
      if ((*stream)->ended()) break;
      continue;
    }
    backoff_ = std::chrono::milliseconds(100);
    if (event->type == "ERROR") {
      Error error = error_from_status(event->object);
      if (error.code == ErrorCode::kGone) return true;
      spdlog::warn("informer {}: watch error: {}", resource_.plural, error.to_string());
      sleep(stop, backoff_);
      return false;
    }
    std::string rv = rv_of(event->object);
    if (event->type == "BOOKMARK") {
      std::lock_guard lock(mutex_);
      if (!rv.empty()) rv_ = rv;
      continue;
    }
    auto object = std::make_shared<const Json>(std::move(event->object));
    if (event->type == "ADDED" || event->type == "MODIFIED") {
      auto previous = cache_.upsert(object);
      {
        std::lock_guard lock(mutex_);
        rv_ = rv;
      }
      if (previous) {
        dispatch_update(previous, object);
      } else {
        dispatch_add(object);
      }
    } else if (event->type == "DELETED") {
      auto previous = cache_.remove(ObjectCache::key_of(*object));
      {
        std::lock_guard lock(mutex_);
        rv_ = rv;
      }
      dispatch_delete(object);
    }
  }
  if (auto error = (*stream)->error()) {
    if (error->code == ErrorCode::kGone) return true;
    if (error->code == ErrorCode::kTimeout) {
      // The connection went silent: a new one at once. A server still unreachable costs one idle timeout per
      // attempt, so this cannot spin.
      spdlog::warn("informer {}: {}; watching again from resourceVersion {}", resource_.plural, error->message,
                   resource_version());
      return false;
    }
    spdlog::debug("informer {}: watch ended: {}", resource_.plural, error->to_string());
    sleep(stop, backoff_);
    backoff_ = std::min(backoff_ * 2, options_.max_backoff);
  }
  return false;
}

void Informer::run(std::stop_token stop) {
  try {
    while (!stop.stop_requested()) {
      if (!list_and_apply()) {
        sleep(stop, backoff_);
        backoff_ = std::min(backoff_ * 2, options_.max_backoff);
        continue;
      }
      backoff_ = std::chrono::milliseconds(100);
      while (!stop.stop_requested()) {
        if (watch_once(stop)) break;  // 410 Gone: relist
      }
    }
  } catch (const std::exception& e) {
    spdlog::error("informer {}: stopped: {}", resource_.plural, e.what());
  }
}

}  // namespace kthena::kube
