// One pod on this node, from binding to deletion, on a thread of its own (the kubelet's pod worker): the network
// and volumes set up once; init containers run in order; containers started from the image catalogue with their
// environment; probes; restarts with CrashLoopBackOff back-off as restartPolicy says; the pod's status written when it
// changes; and, once the pod is being deleted, preStop hooks, SIGTERM, SIGKILL after the grace period, the network
// torn down and the pod object removed.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "node/node_context.h"

namespace kthena::node {

class PodWorker {
 public:
  PodWorker(NodeContext& context, std::string key, std::string uid);
  ~PodWorker();  // stops the containers (the agent is going away; the pod object stays)
  PodWorker(const PodWorker&) = delete;
  PodWorker& operator=(const PodWorker&) = delete;

  // Something about the pod (or what it resolves: Services, other pods) changed.
  void notify();
  // Asks the worker to stop its containers and end, without waiting (the agent stops every worker at once).
  void request_stop();
  // The pod is gone for good (deleted and finalized): the worker has nothing left to do.
  bool finished() const;
  const std::string& uid() const { return uid_; }

  struct State;  // pod_worker.cpp

 private:
  void run(std::stop_token stop);

  NodeContext& context_;
  const std::string key_, uid_;
  std::unique_ptr<State> state_;
  mutable std::mutex mutex_;
  std::condition_variable_any wake_;
  bool notified_ = false;
  bool finished_ = false;
  std::jthread thread_;
};

}  // namespace kthena::node
