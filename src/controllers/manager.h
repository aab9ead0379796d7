// `kthena controller-manager`'s engine: the shared informers, the controllers on them and, when asked, leader
// election, so that of several replicas only one writes. Against the embedded API server or any Kubernetes API
// server: it meets the rest of the platform only through the API.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/result.h"
#include "kube/client.h"
#include "kube/controller.h"
#include "kube/event_recorder.h"
#include "kube/leader_elector.h"
#include "kube/shared_informers.h"

namespace kthena::controllers {

struct ManagerOptions {
  int workers = 5;
  bool leader_elect = false;
  std::string lease_namespace = "kthena-system";
  std::string lease_name = "lease.kthena.controller-manager";
  // Where the ConfigMap model-booster-controller-config (the runtime and downloader images) is read, once at start.
  std::string config_namespace = "kthena-system";
  std::string identity;  // default: host name + pid
  std::chrono::milliseconds lease_duration{15000}, renew_deadline{10000}, retry_period{2000};
  // Called (on the elector's callback thread) when this process led and lost the lease: it must stop writing at
  // once, as controller-runtime exits; the command exits the process.
  std::function<void()> on_lost_leadership;
};

class ControllerManager {
 public:
  static Result<std::unique_ptr<ControllerManager>> create(std::shared_ptr<kube::KubeClient> client,
                                                           ManagerOptions options);
  ~ControllerManager();
  ControllerManager(const ControllerManager&) = delete;
  ControllerManager& operator=(const ControllerManager&) = delete;

  // Starts leading at once, or campaigns for the lease first. Fails on leader-election options that could let two
  // replicas lead at once.
  Result<void> start();
  // Stops the controllers (the reconciles in progress finish), the informers and the elector.
  void stop();
  // The informers have synced and the controllers run (or this replica is a healthy standby).
  bool healthy() const;
  bool leading() const { return running_.load(); }
  std::string metrics_text() const;
  // The caches the controllers read (tests wait on them instead of sleeping).
  kube::SharedInformers& informers() { return *informers_; }

 private:
  ControllerManager(std::shared_ptr<kube::KubeClient> client, ManagerOptions options);
  void run_controllers();

  std::shared_ptr<kube::KubeClient> client_;
  const ManagerOptions options_;
  std::unique_ptr<kube::SharedInformers> informers_;
  std::unique_ptr<kube::EventRecorder> events_;          // as "modelserving-controller"
  std::unique_ptr<kube::EventRecorder> booster_events_;  // as "modelbooster-controller"
  // The apps/v1 controllers' recorders, each as kube-controller-manager names its controller.
  std::vector<std::unique_ptr<kube::EventRecorder>> workload_events_;
  // A controller, its reconciler and the kind it reconciles (every object of it is enqueued once at start).
  struct Running {
    std::unique_ptr<kube::Reconciler> reconciler;
    std::unique_ptr<kube::Controller> controller;
    kube::Resource primary;
  };
  std::vector<Running> controllers_;
  std::unique_ptr<kube::LeaderElector> elector_;
  std::jthread starter_;  // fills the caches and starts the controllers off the elector's callback thread
  std::atomic<bool> running_{false};
  std::atomic<bool> stopped_{false};
};

}  // namespace kthena::controllers
