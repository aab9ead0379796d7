#include "controllers/manager.h"

#include <unistd.h>

#include <fmt/format.h>

#include "common/log.h"
#include "controllers/modelbooster/reconciler.h"
#include "controllers/modelserving/lws_bridge.h"
#include "controllers/modelserving/reconciler.h"
#include "controllers/workloads/deployment_reconciler.h"
#include "controllers/workloads/endpoint_slice_reconciler.h"
#include "controllers/workloads/replica_set_reconciler.h"
#include "controllers/workloads/service_account_reconciler.h"
#include "controllers/workloads/stateful_set_reconciler.h"

namespace kthena::controllers {
namespace {

std::string default_identity() {
  char host[256] = {};
  gethostname(host, sizeof(host) - 1);
  return fmt::format("{}_{}", host, getpid());
}

// Whether discovery lists `resource` in its group version.
bool serves(kube::KubeClient& client, const kube::Resource& resource) {
  auto answer = client.request("GET", "/apis/" + resource.api_version());
  return answer && answer->status == 200 && answer->body.find("\"" + resource.plural + "\"") != std::string::npos;
}

// Whether the server serves Volcano's PodGroups (the embedded API server does; a cluster does once Volcano is
// installed). Without them, ModelServings run without gang scheduling, as upstream's.
bool serves_pod_groups(kube::KubeClient& client) {
  return serves(client, kube::resources::pod_groups());
}

// Whether kube-controller-manager leads in this cluster: its leader-election lease exists in kube-system.
bool runs_kube_controller_manager(kube::KubeClient& client) {
  auto lease = client.get(kube::resources::leases(), "kube-system", "kube-controller-manager");
  return lease.has_value();
}

// The images of the ConfigMap model-booster-controller-config (spec §2.1), or the defaults when it or a key is
// missing.
modelbooster::ConvertOptions booster_images(kube::KubeClient& client, const std::string& ns) {
  modelbooster::ConvertOptions options;
  auto config = client.get(kube::resources::config_maps(), ns, "model-booster-controller-config");
  if (!config) {
    if (config.error().code != ErrorCode::kNotFound) {
      spdlog::warn("controller-manager: reading {}/model-booster-controller-config: {}; default images", ns,
                   config.error().to_string());
    }
    return options;
  }
  const Json& data = (*config).value("data", Json::object());
  options.downloader_image = data.value("model_serving_downloader_image", options.downloader_image);
  options.runtime_image = data.value("model_serving_runtime_image", options.runtime_image);
  return options;
}

}  // namespace

ControllerManager::ControllerManager(std::shared_ptr<kube::KubeClient> client, ManagerOptions options)
    : client_(std::move(client)), options_(std::move(options)) {}

Result<std::unique_ptr<ControllerManager>> ControllerManager::create(std::shared_ptr<kube::KubeClient> client,
                                                                     ManagerOptions options) {
  auto version = client->request("GET", "/version");
  if (!version) return fail(version.error());
  std::unique_ptr<ControllerManager> m(new ControllerManager(std::move(client), std::move(options)));
  m->informers_ = std::make_unique<kube::SharedInformers>(m->client_);
  m->events_ = std::make_unique<kube::EventRecorder>(m->client_, "modelserving-controller");
  m->booster_events_ = std::make_unique<kube::EventRecorder>(m->client_, "modelbooster-controller");
  modelserving::ReconcilerOptions ms_options;
  ms_options.pod_groups = serves_pod_groups(*m->client_);
  if (!ms_options.pod_groups)
    spdlog::warn("controller-manager: the server has no Volcano PodGroups: no gang scheduling");
  kube::ControllerOptions controller_options;
  controller_options.workers = std::max(1, m->options_.workers);
  auto add = [&](std::string name, auto reconciler, kube::Resource primary) {
    auto controller = std::make_unique<kube::Controller>(std::move(name), *reconciler, controller_options);
    reconciler->watch(*controller);
    m->controllers_.push_back({std::move(reconciler), std::move(controller), std::move(primary)});
  };
  add("modelserving", std::make_unique<modelserving::ModelServingReconciler>(*m->informers_, *m->events_, ms_options),
      kube::resources::model_servings());
  auto converter =
      modelbooster::ModelBoosterConverter::create(booster_images(*m->client_, m->options_.config_namespace));
  if (!converter) return fail(converter.error());
  add("modelbooster",
      std::make_unique<modelbooster::ModelBoosterReconciler>(*m->informers_, *m->booster_events_,
                                                             std::move(*converter)),
      kube::resources::model_boosters());
  // The LeaderWorkerSet bridge, where LeaderWorkerSets exist (the embedded API server serves them; a cluster once
  // the LWS project is installed), as upstream.
  if (serves(*m->client_, modelserving::leader_worker_sets())) {
    add("leaderworkerset", std::make_unique<modelserving::LwsBridge>(*m->informers_, *m->events_),
        modelserving::leader_worker_sets());
  }
  // The built-in workload controllers of kube-controller-manager, for the embedded API server. On a cluster
  // kube-controller-manager runs them (its lease in kube-system says so) and two controllers of one kind would fight.
  if (runs_kube_controller_manager(*m->client_)) {
    spdlog::info("controller-manager: kube-controller-manager runs here; the workload controllers stay off");
  } else if (serves(*m->client_, kube::resources::deployments())) {
    auto recorder = [&](const char* component) -> kube::EventRecorder& {
      m->workload_events_.push_back(std::make_unique<kube::EventRecorder>(m->client_, component));
      return *m->workload_events_.back();
    };
    add("replicaset",
        std::make_unique<workloads::ReplicaSetReconciler>(*m->informers_, recorder("replicaset-controller")),
        kube::resources::replica_sets());
    add("deployment",
        std::make_unique<workloads::DeploymentReconciler>(*m->informers_, recorder("deployment-controller")),
        kube::resources::deployments());
    add("statefulset",
        std::make_unique<workloads::StatefulSetReconciler>(*m->informers_, recorder("statefulset-controller")),
        kube::resources::stateful_sets());
    add("endpointslice", std::make_unique<workloads::EndpointSliceReconciler>(*m->informers_),
        kube::resources::services());
    add("serviceaccount", std::make_unique<workloads::ServiceAccountReconciler>(*m->informers_),
        kube::resources::namespaces());
  }
  return m;
}

ControllerManager::~ControllerManager() {
  stop();
}

Result<void> ControllerManager::start() {
  if (!options_.leader_elect) {
    run_controllers();
    return {};
  }
  kube::LeaderElectionOptions election;
  election.ns = options_.lease_namespace;
  election.name = options_.lease_name;
  election.identity = options_.identity.empty() ? default_identity() : options_.identity;
  election.lease_duration = options_.lease_duration;
  election.renew_deadline = options_.renew_deadline;
  election.retry_period = options_.retry_period;
  // The callback returns at once: a cache fill must not hold the elector's callbacks (a loss would wait behind it).
  election.on_started_leading = [this] { starter_ = std::jthread([this] { run_controllers(); }); };
  election.on_stopped_leading = [this] {
    if (!running_.load() || stopped_.load()) return;
    spdlog::error("controller-manager: leadership lost; stopping");
    if (options_.on_lost_leadership) options_.on_lost_leadership();
  };
  election.on_new_leader = [](const std::string& leader) { spdlog::info("controller-manager: leader is {}", leader); };
  if (auto valid = kube::validate(election); !valid) return valid;
  elector_ = std::make_unique<kube::LeaderElector>(client_, election);
  elector_->start();
  return {};
}

void ControllerManager::run_controllers() {
  if (running_.exchange(true)) return;
  informers_->start();
  while (!stopped_.load() && !informers_->wait_for_sync(std::chrono::seconds(1))) {
    spdlog::info("controller-manager: waiting for the caches to fill");
  }
  if (stopped_.load()) return;
  for (auto& c : controllers_) c.controller->start();
  // Every existing object once, as upstream's startup sync: the informers' initial adds came before the workers.
  for (auto& c : controllers_) {
    for (const kube::ObjectPtr& object : informers_->get(c.primary).cache().list()) {
      c.controller->enqueue(kube::ObjectCache::key_of(*object));
    }
  }
  spdlog::info("controller-manager: controllers running");
}

void ControllerManager::stop() {
  if (stopped_.exchange(true)) return;
  // Informers first: their handlers enqueue into the controllers.
  if (starter_.joinable()) starter_.join();
  if (informers_) informers_->stop();
  for (auto& c : controllers_) c.controller->stop();
  if (elector_) elector_->stop();
}

bool ControllerManager::healthy() const {
  return !stopped_.load();
}

std::string ControllerManager::metrics_text() const {
  std::vector<const kube::Controller*> list;
  for (const auto& c : controllers_) list.push_back(c.controller.get());
  kube::KubeClient::RequestCounts n = client_->request_counts();
  std::string out = kube::controller_metrics_text(list);
  out += "# HELP rest_client_requests_total Requests sent to the API server by method (watches not counted).\n";
  out += "# TYPE rest_client_requests_total counter\n";
  const std::pair<const char*, uint64_t> methods[] = {{"GET", n.get},     {"POST", n.post},  {"PUT", n.put},
                                                      {"PATCH", n.patch}, {"DELETE", n.del}, {"OTHER", n.other}};
  for (const auto& [method, count] : methods) {
    out += fmt::format("rest_client_requests_total{{method=\"{}\"}} {}\n", method, count);
  }
  return out;
}

}  // namespace kthena::controllers
