// Leader election on a coordination.k8s.io/v1 Lease, with client-go's algorithm and controller-runtime's guarantees:
// - a candidate takes the lease only once the record it observed (its resourceVersion) has not changed for a whole
//   lease duration on its own monotonic clock, so clock skew between machines does not matter; it waits the longer of
//   its own lease_duration and the record's leaseDurationSeconds. Every write carries the resourceVersion it read, so
//   of two candidates racing for one record, one gets a conflict;
// - a leader leads only until renew_deadline after the start of its last successful renewal. is_leader() turns false
//   at that instant even if a request hangs, and on_stopped_leading is queued then, or when the request in flight is
//   cut (each request is bounded by a timeout shorter than lease_duration - renew_deadline). Since another candidate
//   must see the record unchanged for lease_duration > renew_deadline, the old leader has stopped before it can start;
// - callbacks run on a thread of the elector's own, one at a time and in order, never on the renewal thread: a slow
//   callback does not delay a renewal.
//
// Leadership lost means stop working. When on_stopped_leading fires after on_started_leading, the owner must stop
// everything it does as leader, in practice exit the process as controller-runtime's manager does (a restart is cheap
// and comes back as a clean candidate); the elector reports, the caller exits. Left running, the elector stays a
// candidate and may lead again later, with a new on_started_leading.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "common/result.h"
#include "kube/client.h"

namespace kthena::kube {

struct LeaderElectionOptions {
  std::string ns = "kthena-system";
  std::string name;      // the Lease
  std::string identity;  // this candidate, unique (host name + pid)
  // Must satisfy lease_duration > renew_deadline > retry_period > 0 (validate()).
  std::chrono::milliseconds lease_duration{std::chrono::seconds(15)};
  std::chrono::milliseconds renew_deadline{std::chrono::seconds(10)};
  std::chrono::milliseconds retry_period{std::chrono::seconds(2)};
  // Called on the elector's callback thread, one at a time, in order; each must return (start work elsewhere, do
  // not run it here), or the callbacks after it, on_stopped_leading included, wait. on_stopped_leading follows each
  // on_started_leading once, when leadership is lost or given up by stop(); it never fires for a candidate that did
  // not lead. on_new_leader reports each change of the lease's holder ("" when released).
  std::function<void()> on_started_leading;
  std::function<void()> on_stopped_leading;
  std::function<void(const std::string& leader)> on_new_leader;
};

// kInvalid naming the offending field when the durations cannot give the guarantees above.
Result<void> validate(const LeaderElectionOptions& options);

class LeaderElector {
 public:
  // `client` gives the server and credentials; the elector talks through a client of its own whose requests time
  // out in time for the renew deadline. The options must be valid (validate()).
  LeaderElector(std::shared_ptr<KubeClient> client, LeaderElectionOptions options);
  ~LeaderElector();
  LeaderElector(const LeaderElector&) = delete;
  LeaderElector& operator=(const LeaderElector&) = delete;

  void start();
  // Steps down: on_stopped_leading (if leading) has returned before the lease is released, so that a successor need
  // not wait. Joins both threads; never call it from a callback.
  void stop();
  // Thread-safe. True only within renew_deadline of the start of the last successful renewal.
  bool is_leader() const;
  // The holder last observed.
  std::string leader() const;

 private:
  using Clock = std::chrono::steady_clock;
  void run(std::stop_token stop);
  void run_callbacks();
  // One attempt; true when it wrote the lease as its holder.
  bool try_acquire_or_renew();
  void release();
  void observe_holder(const std::string& holder);
  // Ends the term once its renew deadline has passed; between requests, so that a slow attempt cannot extend it.
  void check_deadline();
  void end_term_locked(const char* why);
  void post_locked(const std::function<void()>& callback);

  std::shared_ptr<KubeClient> client_;
  const LeaderElectionOptions options_;
  mutable std::mutex mutex_;
  std::condition_variable_any wake_;         // the renewal thread's waits, woken by stop()
  std::condition_variable callbacks_ready_;  // pending_ or closing_ changed, or a callback finished
  bool leading_ = false;
  Clock::time_point lead_until_{};
  std::string observed_holder_;
  std::string observed_version_;  // the record's resourceVersion
  Clock::time_point observed_at_{};
  std::deque<std::function<void()>> pending_;
  bool stopping_ = false;  // stop() was called: stepping down is expected, not a warning
  bool running_callback_ = false;
  bool closing_ = false;
  std::jthread callbacks_;
  std::jthread renewals_;
};

}  // namespace kthena::kube
