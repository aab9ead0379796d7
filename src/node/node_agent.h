// `kthena node`: a small kubelet and scheduler for one machine (docs/node.md). It registers a Node (the machine's
// cpu and memory, or declared capacity, plus declared accelerators), keeps a Lease as its heartbeat, binds pending
// pods that fit (Volcano gangs all or nothing, accelerators as device IDs), and runs each bound pod through a pod
// worker. A restarted agent finds its pods in the API server: it restarts their containers (which died with the
// previous agent) and removes the networks and folders of pods it no longer has.
#pragma once

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "node/logs/log_collector.h"
#include "node/logs/log_server.h"
#include "node/node_context.h"
#include "node/pod_worker.h"

namespace kthena::node {

class NodeAgent {
 public:
  static Result<std::unique_ptr<NodeAgent>> start(std::shared_ptr<kube::KubeClient> client, NodeAgentOptions options);
  ~NodeAgent();
  NodeAgent(const NodeAgent&) = delete;
  NodeAgent& operator=(const NodeAgent&) = delete;

  // Stops the pod workers (their containers end), the loops and the informers. The Node and the pods stay.
  void stop();
  const std::string& name() const { return context_.options.node_name; }
  const NodeContext& context() const { return context_; }
  // The caches the agent reads (tests wait on them).
  kube::SharedInformers& informers() { return *informers_; }
  // Where the kubelet endpoint (container logs) listens: its port is also the Node's daemonEndpoints.
  uint16_t logs_port() const { return log_server_->port(); }

 private:
  NodeAgent() = default;
  Result<void> register_node();
  // The log of a container of a pod bound here, for the kubelet endpoint (its thread).
  Result<LogLocation> locate_log(const std::string& ns, const std::string& pod, const std::string& container) const;
  void heartbeat(std::stop_token stop);
  void manage(std::stop_token stop);
  void schedule_pass();
  bool record_devices(const Binding& binding);
  void write_pod_group(const GangOutcome& gang);
  void sync_workers();
  void wake();

  NodeContext context_;
  std::unique_ptr<kube::SharedInformers> informers_;
  std::unique_ptr<PodNetwork> network_;
  std::unique_ptr<ImageCatalog> images_;
  std::unique_ptr<kube::EventRecorder> kubelet_events_, scheduler_events_;
  kube::Informer* pod_groups_ = nullptr;
  ResourceList allocatable_;
  std::map<std::string, std::vector<std::string>> devices_;
  // Before the workers, which write through it, and the server, which reads what it wrote: destroyed after both.
  std::unique_ptr<LogCollector> logs_;
  std::unique_ptr<LogServer> log_server_;

  std::mutex mutex_;
  std::condition_variable_any changed_;
  bool dirty_ = true;
  std::map<std::string, std::unique_ptr<PodWorker>> workers_;  // pod uid -> worker
  std::map<std::string, std::string> reported_;                // pod key -> last FailedScheduling message
  std::atomic<bool> stopped_{false};
  std::jthread heartbeat_, manager_;
};

}  // namespace kthena::node
