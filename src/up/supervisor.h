// The process tree of `kthena up`: each platform component (API server, controller-manager, node agent, router) is
// a child process of the supervisor, restarted with back-off when it exits unexpectedly, and stopped in the reverse
// order of its start. A child dies with the supervisor (PR_SET_PDEATHSIG), so `kill -9` of `kthena up` leaves no
// component running, and the node agent's own parent-death signals take the pods' processes down with it.
//
// The supervisor is driven from one thread, which must be the thread that constructed it: parent-death signals
// fire when the thread that forked exits, and the signals the supervisor waits for (SIGINT, SIGTERM, SIGCHLD) are
// blocked in that thread, so threads started after the construction inherit the mask and never take them.
#pragma once

#include <chrono>
#include <filesystem>
#include <iosfwd>
#include <string>
#include <vector>

#include <sys/types.h>

#include "common/result.h"

namespace kthena::up {

struct ComponentSpec {
  std::string name;                             // "apiserver"
  std::vector<std::string> argv;                // argv[0] is the executable's path
  std::filesystem::path log;                    // stdout and stderr, appended
  std::chrono::milliseconds stop_grace{10000};  // SIGTERM, then SIGKILL after this
};

class Supervisor {
 public:
  // Messages about components (exits, restarts) go to `out`.
  explicit Supervisor(std::ostream& out);
  ~Supervisor();  // stop_all()
  Supervisor(const Supervisor&) = delete;
  Supervisor& operator=(const Supervisor&) = delete;

  // Starts the component now; it is restarted whenever it exits until stop_all().
  Result<void> start(ComponentSpec spec);

  // Waits up to `timeout` for a signal or a child's exit, reaps children, restarts those whose back-off has passed.
  // Returns false once SIGINT or SIGTERM has been received (and on every later call).
  bool poll(std::chrono::milliseconds timeout);

  bool stop_requested() const { return stop_requested_; }
  // True while the component's current instance runs.
  bool running(const std::string& name) const;
  // How many times the component was started (1 after start()).
  int starts(const std::string& name) const;
  // What the component's current instance has written to its log so far.
  std::string output_since_start(const std::string& name) const;

  // Stops every component, the last started first: SIGTERM, then SIGKILL after its grace. Idempotent.
  void stop_all();

 private:
  struct Child {
    ComponentSpec spec;
    pid_t pid = -1;
    int starts = 0;
    uintmax_t log_offset = 0;
    std::chrono::steady_clock::time_point started_at;
    std::chrono::steady_clock::time_point restart_at;
    std::chrono::milliseconds backoff{1000};
  };

  Result<void> spawn(Child& child);
  void reap();
  const Child* find(const std::string& name) const;

  std::ostream& out_;
  std::vector<Child> children_;
  bool stop_requested_ = false;
  bool stopping_ = false;
};

}  // namespace kthena::up
