#include "kube/leader_elector.h"

#include <algorithm>

#include <fmt/format.h>

#include "api/values/rfc3339_time.h"
#include "common/assert.h"
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

std::string resource_version(const Json& object) {
  if (!object.contains("metadata") || !object["metadata"].is_object()) return {};
  const Json& meta = object["metadata"];
  return meta.contains("resourceVersion") && meta["resourceVersion"].is_string()
             ? meta["resourceVersion"].get<std::string>()
             : std::string();
}

// The Lease counts whole seconds: rounded up, so that a candidate reading it never waits less than we meant.
int64_t lease_seconds(std::chrono::milliseconds duration) {
  return std::max<int64_t>(1, (duration.count() + 999) / 1000);
}

// A request cut at this timeout leaves the leader's on_stopped_leading at most this late after its renew deadline,
// still before a successor can start (lease_duration - renew_deadline later); half of that margin leaves room for
// scheduling, and half the renew deadline keeps room for more than one attempt.
std::chrono::milliseconds request_timeout(const LeaderElectionOptions& options) {
  auto margin = std::min(options.renew_deadline, options.lease_duration - options.renew_deadline);
  return std::max(std::chrono::milliseconds(1), margin / 2);
}

// A client of the elector's own, as controller-runtime's leader election has: the same server and credentials, with
// every request bounded in time (a hung renewal must not outlive the renew deadline by more than the margin).
std::shared_ptr<KubeClient> bounded_client(const std::shared_ptr<KubeClient>& client,
                                           std::chrono::milliseconds timeout) {
  RestConfig config = client->config();
  if (config.timeout.count() <= 0 || config.timeout > timeout) config.timeout = timeout;
  auto own = KubeClient::create(std::move(config));
  if (!own) {
    spdlog::error("leader election: cannot create its client ({}); using the shared one, whose requests may hang",
                  own.error().to_string());
    return client;
  }
  return std::move(*own);
}

}  // namespace

Result<void> validate(const LeaderElectionOptions& options) {
  if (options.name.empty()) return fail(ErrorCode::kInvalid, "the Lease needs a name", "name");
  if (options.identity.empty()) return fail(ErrorCode::kInvalid, "a candidate needs an identity", "identity");
  if (options.retry_period.count() <= 0) return fail(ErrorCode::kInvalid, "must be positive", "retry_period");
  if (options.renew_deadline <= options.retry_period) {
    return fail(ErrorCode::kInvalid, "must be longer than retry_period", "renew_deadline");
  }
  if (options.lease_duration <= options.renew_deadline) {
    return fail(ErrorCode::kInvalid, "must be longer than renew_deadline: a leader must stop before a successor starts",
                "lease_duration");
  }
  return {};
}

LeaderElector::LeaderElector(std::shared_ptr<KubeClient> client, LeaderElectionOptions options)
    : options_(std::move(options)) {
  KTHENA_ASSERT(validate(options_), "leader election options are validated by the caller (validate())");
  client_ = bounded_client(client, request_timeout(options_));
}

LeaderElector::~LeaderElector() {
  stop();
}

void LeaderElector::start() {
  callbacks_ = std::jthread([this] { run_callbacks(); });
  renewals_ = std::jthread([this](std::stop_token stop) { run(stop); });
}

void LeaderElector::stop() {
  if (renewals_.joinable()) {
    renewals_.request_stop();
    renewals_.join();
  }
  if (callbacks_.joinable()) {
    {
      std::lock_guard lock(mutex_);
      closing_ = true;
      callbacks_ready_.notify_all();
    }
    callbacks_.join();
  }
}

bool LeaderElector::is_leader() const {
  std::lock_guard lock(mutex_);
  return leading_ && Clock::now() < lead_until_;
}

std::string LeaderElector::leader() const {
  std::lock_guard lock(mutex_);
  return observed_holder_;
}

void LeaderElector::post_locked(const std::function<void()>& callback) {
  if (!callback) return;
  pending_.push_back(callback);
  callbacks_ready_.notify_all();
}

void LeaderElector::observe_holder(const std::string& holder) {
  std::lock_guard lock(mutex_);
  if (holder == observed_holder_) return;
  observed_holder_ = holder;
  if (options_.on_new_leader) post_locked([this, holder] { options_.on_new_leader(holder); });
}

void LeaderElector::end_term_locked(const char* why) {
  leading_ = false;
  spdlog::log(stopping_ ? spdlog::level::info : spdlog::level::warn, "leader election {}: {} stopped leading: {}",
              options_.name, options_.identity, why);
  post_locked(options_.on_stopped_leading);
}

void LeaderElector::check_deadline() {
  std::lock_guard lock(mutex_);
  if (leading_ && Clock::now() >= lead_until_) end_term_locked("no renewal within the renew deadline");
}

bool LeaderElector::try_acquire_or_renew() {
  const Resource leases = resources::leases();
  std::string now = now_micro();
  const int64_t seconds = lease_seconds(options_.lease_duration);
  auto current = client_->get(leases, options_.ns, options_.name);
  check_deadline();
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
                    {"leaseDurationSeconds", seconds},
                    {"acquireTime", now},
                    {"renewTime", now},
                    {"leaseTransitions", 0}}}};
    auto created = client_->create(leases, options_.ns, lease);
    if (!created) {
      // AlreadyExists: another candidate created it first.
      if (created.error().code != ErrorCode::kAlreadyExists) {
        spdlog::warn("leader election {}: {}", options_.name, created.error().to_string());
      }
      return false;
    }
    {
      std::lock_guard lock(mutex_);
      observed_version_ = resource_version(*created);
      observed_at_ = Clock::now();
    }
    observe_holder(options_.identity);
    return true;
  }

  Json lease = std::move(*current);
  const std::string holder = spec_string(lease, "holderIdentity");
  std::chrono::milliseconds held_for = options_.lease_duration;
  if (lease["spec"].contains("leaseDurationSeconds") && lease["spec"]["leaseDurationSeconds"].is_number_integer()) {
    held_for = std::max<std::chrono::milliseconds>(
        held_for, std::chrono::seconds(lease["spec"]["leaseDurationSeconds"].get<int64_t>()));
  }
  bool unchanged_long_enough = false;
  {
    std::lock_guard lock(mutex_);
    auto local_now = Clock::now();
    // Any write moves the resourceVersion: only a record nobody wrote for a whole lease duration is free.
    if (const std::string version = resource_version(lease); version != observed_version_) {
      observed_version_ = version;
      observed_at_ = local_now;
    }
    unchanged_long_enough = observed_at_ + held_for <= local_now;
  }
  observe_holder(holder);
  const bool ours = holder == options_.identity;
  if (!holder.empty() && !ours && !unchanged_long_enough) return false;

  Json& spec = lease["spec"];
  if (!ours) {
    int64_t transitions = spec.contains("leaseTransitions") && spec["leaseTransitions"].is_number_integer()
                              ? spec["leaseTransitions"].get<int64_t>()
                              : 0;
    spec["leaseTransitions"] = transitions + 1;
    spec["acquireTime"] = now;
    spec["holderIdentity"] = options_.identity;
  }
  spec["leaseDurationSeconds"] = seconds;
  spec["renewTime"] = now;
  // The body carries the resourceVersion read above: a record written meanwhile makes this a conflict.
  auto updated = client_->update(leases, lease);
  if (!updated) {
    if (updated.error().code != ErrorCode::kConflict) {
      spdlog::warn("leader election {}: {}", options_.name, updated.error().to_string());
    }
    return false;
  }
  {
    std::lock_guard lock(mutex_);
    observed_version_ = resource_version(*updated);
    observed_at_ = Clock::now();
  }
  observe_holder(options_.identity);
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
  try {
    while (!stop.stop_requested()) {
      // The term is measured from before the attempt: a successor's clock starts no earlier than our write landed.
      const auto attempt = Clock::now();
      const bool wrote = try_acquire_or_renew();
      std::unique_lock lock(mutex_);
      auto now = Clock::now();
      if (leading_ && now >= lead_until_) end_term_locked("no renewal within the renew deadline");
      if (wrote && now < attempt + options_.renew_deadline) {
        if (!leading_) {
          leading_ = true;
          spdlog::info("leader election {}: {} is the leader", options_.name, options_.identity);
          post_locked(options_.on_started_leading);
        }
        lead_until_ = attempt + options_.renew_deadline;
      }
      // Until the next attempt, waking at the renew deadline to end the term on time.
      const auto next = attempt + options_.retry_period;
      while (!stop.stop_requested() && Clock::now() < next) {
        wake_.wait_until(lock, stop, leading_ ? std::min(next, lead_until_) : next, [] { return false; });
        if (leading_ && Clock::now() >= lead_until_) end_term_locked("no renewal within the renew deadline");
      }
    }
  } catch (const std::exception& e) {
    spdlog::error("leader election {}: stopped: {}", options_.name, e.what());
  }
  {
    std::unique_lock lock(mutex_);
    stopping_ = true;
    if (leading_) end_term_locked("stopping");
    // The owner has stopped its leader's work before a successor may start it.
    callbacks_ready_.wait(lock, [this] { return pending_.empty() && !running_callback_; });
  }
  release();
}

void LeaderElector::run_callbacks() {
  std::unique_lock lock(mutex_);
  for (;;) {
    callbacks_ready_.wait(lock, [this] { return !pending_.empty() || closing_; });
    if (pending_.empty()) return;
    std::function<void()> callback = std::move(pending_.front());
    pending_.pop_front();
    running_callback_ = true;
    lock.unlock();
    try {
      callback();
    } catch (const std::exception& e) {
      spdlog::error("leader election {}: a callback failed: {}", options_.name, e.what());
    }
    lock.lock();
    running_callback_ = false;
    callbacks_ready_.notify_all();
  }
}

}  // namespace kthena::kube
