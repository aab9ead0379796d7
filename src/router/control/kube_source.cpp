#include "router/control/kube_source.h"

#include <thread>

#include "common/log.h"
#include "kube/kubeconfig.h"

namespace kthena::router {
namespace {

std::string key_of(const Json& object) {
  const Json& meta = object.value("metadata", Json::object());
  return meta.value("namespace", std::string("default")) + "/" + meta.value("name", std::string());
}

}  // namespace

Result<std::unique_ptr<KubeSource>> KubeSource::start(const std::string& kubeconfig, ControlPlane& plane) {
  auto config = kubeconfig.empty() ? kube::in_cluster_config() : kube::load_kubeconfig_file(kubeconfig);
  if (!config) return fail(config.error());
  auto client = kube::KubeClient::create(*config);
  if (!client) return fail(client.error());
  auto source = std::make_unique<KubeSource>(*client, plane);
  source->watch(kube::resources::model_routes());
  source->watch(kube::resources::model_servers());
  source->watch(kube::resources::pods());
  for (auto& informer : source->informers_) informer->start();
  return source;
}

KubeSource::KubeSource(std::shared_ptr<kube::KubeClient> client, ControlPlane& plane)
    : client_(std::move(client)), plane_(plane) {}

KubeSource::~KubeSource() {
  for (auto& informer : informers_) informer->stop();
}

bool KubeSource::synced() const {
  for (const auto& informer : informers_) {
    if (!informer->has_synced()) return false;
  }
  return true;
}

// Informer events arrive on the informer's thread; the objects are decoded there and applied on the control
// reactor, which owns ClusterState.
void KubeSource::watch(kube::Resource resource) {
  auto informer = std::make_unique<kube::Informer>(client_, resource);
  std::string kind = resource.kind;
  ControlPlane& plane = plane_;
  auto apply = [&plane, kind](const kube::ObjectPtr& object) {
    if (kind == "ModelRoute") {
      auto route = api::decode_model_route(*object);
      if (!route) {
        spdlog::warn("ignoring ModelRoute {}: {}", key_of(*object), route.error().to_string());
        return;
      }
      plane.post([&plane, r = std::move(*route)]() mutable { plane.cluster().upsert_route(std::move(r)); });
    } else if (kind == "ModelServer") {
      auto server = api::decode_model_server(*object);
      if (!server) {
        spdlog::warn("ignoring ModelServer {}: {}", key_of(*object), server.error().to_string());
        return;
      }
      plane.post([&plane, s = std::move(*server)]() mutable { plane.cluster().upsert_server(std::move(s)); });
    } else {
      auto pod = api::decode_pod(*object);
      if (!pod) {
        spdlog::warn("ignoring Pod {}: {}", key_of(*object), pod.error().to_string());
        return;
      }
      plane.post([&plane, p = std::move(*pod)]() mutable { plane.cluster().upsert_pod(std::move(p)); });
    }
  };
  auto remove = [&plane, kind](const kube::ObjectPtr& object) {
    std::string key = key_of(*object);
    plane.post([&plane, kind, key] {
      if (kind == "ModelRoute") {
        plane.cluster().remove_route(key);
      } else if (kind == "ModelServer") {
        plane.cluster().remove_server(key);
      } else {
        plane.cluster().remove_pod(key);
      }
    });
  };
  kube::EventHandler handler;
  handler.on_add = apply;
  handler.on_update = [apply](const kube::ObjectPtr&, const kube::ObjectPtr& now) { apply(now); };
  handler.on_delete = remove;
  informer->add_handler(std::move(handler));
  informers_.push_back(std::move(informer));
}

}  // namespace kthena::router
