// What the node agent's parts share: the client, the caches, the pod network, the image catalogue, the options.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "kube/client.h"
#include "kube/event_recorder.h"
#include "kube/shared_informers.h"
#include "node/images/image_catalog.h"
#include "node/logs/log_collector.h"
#include "node/network/pod_network.h"
#include "node/scheduler/scheduler.h"

namespace kthena::node {

struct NodeAgentOptions {
  std::string node_name;                    // default: the host name
  std::filesystem::path data_dir;           // pods/<uid>/ (volumes, logs, hosts), claims/, network/
  ResourceList capacity;                    // overrides of the detected cpu, memory, pods (milli-units)
  std::map<std::string, int> accelerators;  // declared devices: resource -> count (IDs "0".."n-1")
  Json labels = Json::object();             // added to the Node's labels
  std::string logs_listen = "127.0.0.1:0";  // the kubelet endpoint the API server reads container logs from
  std::string token;                   // the bearer token that endpoint requires: the one of the agent's own kubeconfig
  LogFileOptions logs;                 // rotation of the containers' logs
  PodNetworkOptions network;           // state_dir defaults to <data>/network
  std::optional<ImageCatalog> images;  // default: the simulation profile
  std::filesystem::path kthena_binary;  // for the simulation profile; default /proc/self/exe
  uid_t default_uid = 65534;            // containers run as this user unless the pod says otherwise
  gid_t default_gid = 65534;
  bool allow_root = false;               // whether a pod may ask for runAsUser 0
  std::vector<std::string> host_paths;   // allowed hostPath prefixes; empty: any
  std::filesystem::path host_path_root;  // hostPath volumes live under this folder; "" : the host's root
  std::chrono::milliseconds heartbeat{10000};
  std::chrono::milliseconds backoff_base{10000}, backoff_max{300000};  // CrashLoopBackOff, as the kubelet's
};

struct NodeContext {
  NodeAgentOptions options;
  std::shared_ptr<kube::KubeClient> client;
  kube::SharedInformers* informers = nullptr;
  kube::Informer* pods = nullptr;
  kube::Informer* services = nullptr;
  kube::Informer* config_maps = nullptr;
  kube::Informer* secrets = nullptr;
  PodNetwork* network = nullptr;
  const ImageCatalog* images = nullptr;
  kube::EventRecorder* events = nullptr;
  LogCollector* logs = nullptr;
  std::string host_ip;  // the node's address as pods see it
};

}  // namespace kthena::node
