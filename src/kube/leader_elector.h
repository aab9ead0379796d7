// Leader election on a coordination.k8s.io/v1 Lease, with client-go's algorithm: the holder renews the lease every
// retry period; a candidate takes it over once it has not seen it renewed for a whole lease duration (measured on
// its own clock, so clock skew between machines does not matter); a leader that cannot renew within the renew
// deadline steps down. On stop() a leader releases the lease so that a successor need not wait.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "kube/client.h"

namespace kthena::kube {

struct LeaderElectionOptions {
  std::string ns = "kthena-system";
  std::string name;      // the Lease
  std::string identity;  // this candidate, unique (host name + pid)
  std::chrono::milliseconds lease_duration{std::chrono::seconds(15)};
  std::chrono::milliseconds renew_deadline{std::chrono::seconds(10)};
  std::chrono::milliseconds retry_period{std::chrono::seconds(2)};
  // Called on the elector's thread. on_stopped_leading runs when leadership is lost or released.
  std::function<void()> on_started_leading;
  std::function<void()> on_stopped_leading;
  std::function<void(const std::string& leader)> on_new_leader;
};

class LeaderElector {
 public:
  LeaderElector(std::shared_ptr<KubeClient> client, LeaderElectionOptions options);
  ~LeaderElector();
  LeaderElector(const LeaderElector&) = delete;
  LeaderElector& operator=(const LeaderElector&) = delete;

  void start();
  // Steps down (releasing the lease if held) and joins the thread.
  void stop();
  bool is_leader() const { return leader_.load(); }
  std::string leader() const;

 private:
  void run(std::stop_token stop);
  // One attempt; true when we hold the lease afterwards.
  bool try_acquire_or_renew();
  void release();
  void observe(const std::string& holder);

  std::shared_ptr<KubeClient> client_;
  const LeaderElectionOptions options_;
  std::atomic<bool> leader_{false};
  mutable std::mutex mutex_;
  std::condition_variable_any wake_;
  std::string observed_holder_;
  std::string observed_renew_time_;
  std::chrono::steady_clock::time_point observed_at_{};
  std::jthread thread_;
};

}  // namespace kthena::kube
