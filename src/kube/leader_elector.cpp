#include "kube/leader_elector.h"

#include <fmt/format.h>

#include "api/values/rfc3339_time.h"
#include "common/log.h"

namespace kthena::kube {
namespace {

std::string now_micro() {
  return api::format_rfc3339_micro(
      std::chrono::time_point_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now()));
}

std::string spec_string(const Json& lease, const char* key) {
  if (!lease.contains("spec") || !lease["spec"].is_object()) return {};
  const Json& spec = lease["spec"];
  return spec.contains(key) && spec[key].is_string() ? spec[key].get<std::string>() : std::string();
}

}  // namespace

LeaderElector::LeaderElector(std::shared_ptr<KubeClient> client, LeaderElectionOptions options)
    : client_(std::move(client)), options_(std::move(options)) {}

LeaderElector::~LeaderElector() {
  stop();
}

void LeaderElector::start() {
  thread_ = std::jthread([this](std::stop_token stop) { run(stop); });
}

void LeaderElector::stop() {
  if (thread_.joinable()) {
    thread_.request_stop();
    wake_.notify_all();
    thread_.join();
  }
}

std::string LeaderElector::leader() const {
  std::lock_guard lock(mutex_);
  return observed_holder_;
}

void LeaderElector::observe(const std::string& holder) {
  bool changed = false;
  {
    std::lock_guard lock(mutex_);
    changed = holder != observed_holder_;
    observed_holder_ = holder;
  }
  if (changed && options_.on_new_leader) options_.on_new_leader(holder);
}

bool LeaderElector::try_acquire_or_renew() {
  const Resource leases = resources::leases();
  std::string now = now_micro();
  auto duration_seconds = std::chrono::duration_cast<std::chrono::seconds>(options_.lease_duration).count();
  auto current = client_->get(leases, options_.ns, options_.name);
  if (!current) {
    if (current.error().code != ErrorCode::kNotFound) {
      spdlog::warn("leader election {}: {}", options_.name, current.error().to_string());
      return false;
    }
    Json lease = {{"apiVersion", "coordination.k8s.io/v1"},
                  {"kind", "Lease"},
                  {"metadata", {{"name", options_.name}, {"namespace", options_.ns}}},
                  {"spec",
                   {{"holderIdentity", options_.identity},
                    {"leaseDurationSeconds", duration_seconds},
                    {"acquireTime", now},
                    {"renewTime", now},
                    {"leaseTransitions", 0}}}};
    auto created = client_->create(leases, options_.ns, lease);
    if (!created) return false;
    {
      std::lock_guard lock(mutex_);
      observed_renew_time_ = now;
      observed_at_ = std::chrono::steady_clock::now();
    }
    observe(options_.identity);
    return true;
  }
  Json lease = std::move(*current);
  std::string holder = spec_string(lease, "holderIdentity");
  std::string renew_time = spec_string(lease, "renewTime");
  auto local_now = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(mutex_);
    if (holder != observed_holder_ || renew_time != observed_renew_time_) {
      observed_renew_time_ = renew_time;
      observed_at_ = local_now;
    }
  }
  observe(holder);
  std::chrono::milliseconds held_for = options_.lease_duration;
  if (lease["spec"].contains("leaseDurationSeconds") && lease["spec"]["leaseDurationSeconds"].is_number_integer()) {
    held_for = std::chrono::seconds(lease["spec"]["leaseDurationSeconds"].get<int64_t>());
  }
  bool ours = holder == options_.identity;
  {
    std::lock_guard lock(mutex_);
    if (!holder.empty() && !ours && observed_at_ + held_for > local_now) return false;
  }
  Json& spec = lease["spec"];
  if (!ours) {
    int64_t transitions = spec.contains("leaseTransitions") && spec["leaseTransitions"].is_number_integer()
                              ? spec["leaseTransitions"].get<int64_t>()
                              : 0;
    spec["leaseTransitions"] = transitions + 1;
    spec["acquireTime"] = now;
    spec["holderIdentity"] = options_.identity;
  }
  spec["leaseDurationSeconds"] = duration_seconds;
  spec["renewTime"] = now;
  auto updated = client_->update(leases, lease);
  if (!updated) return false;
  {
    std::lock_guard lock(mutex_);
    observed_renew_time_ = now;
    observed_at_ = std::chrono::steady_clock::now();
  }
  observe(options_.identity);
  return true;
}

void LeaderElector::release() {
  auto current = client_->get(resources::leases(), options_.ns, options_.name);
  if (!current || spec_string(*current, "holderIdentity") != options_.identity) return;
  Json lease = std::move(*current);
  lease["spec"]["holderIdentity"] = "";
  lease["spec"]["leaseDurationSeconds"] = 1;
  lease["spec"]["renewTime"] = now_micro();
  (void)client_->update(resources::leases(), lease);
}

void LeaderElector::run(std::stop_token stop) {
  auto wait = [&](std::chrono::milliseconds d) {
    std::unique_lock lock(mutex_);
    wake_.wait_for(lock, stop, d, [] { return false; });
  };
  try {
    while (!stop.stop_requested()) {
      // Candidate: try every retry period until we hold the lease.
      if (!try_acquire_or_renew()) {
        wait(options_.retry_period);
        continue;
      }
      leader_.store(true);
      spdlog::info("leader election {}: {} is the leader", options_.name, options_.identity);
      if (options_.on_started_leading) options_.on_started_leading();
      auto last_renew = std::chrono::steady_clock::now();
      while (!stop.stop_requested()) {
        wait(options_.retry_period);
        if (stop.stop_requested()) break;
        if (try_acquire_or_renew()) {
          last_renew = std::chrono::steady_clock::now();
        } else if (std::chrono::steady_clock::now() - last_renew > options_.renew_deadline) {
          spdlog::warn("leader election {}: lost the lease (no renewal within {} ms)", options_.name,
                       options_.renew_deadline.count());
          break;
        }
      }
      leader_.store(false);
      if (stop.stop_requested()) release();
      if (options_.on_stopped_leading) options_.on_stopped_leading();
    }
  } catch (const std::exception& e) {
    spdlog::error("leader election {}: stopped: {}", options_.name, e.what());
    leader_.store(false);
  }
}

}  // namespace kthena::kube
