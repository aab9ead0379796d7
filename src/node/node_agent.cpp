#include "node/node_agent.h"

#include "api/json_fields.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <fstream>
#include <set>
#include <system_error>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "api/values/quantity.h"
#include "api/values/rfc3339_time.h"
#include "node/process/container_process.h"

namespace kthena::node {

using api::lenient::str;
namespace {

namespace fs = std::filesystem;
namespace res = kube::resources;
using namespace std::chrono_literals;

constexpr const char* kLeaseNamespace = "kube-node-lease";

int64_t memory_bytes() {
  std::ifstream in("/proc/meminfo");
  std::string key;
  int64_t kb = 0;
  std::string unit;
  while (in >> key >> kb >> unit) {
    if (key == "MemTotal:") return kb * 1024;
  }
  return 0;
}

// milli-units -> a Quantity string: "2", "500m", "24Gi"-free plain bytes for memory (the API server canonicalizes).
std::string quantity(int64_t milli) {
  return api::Quantity::from_milli(milli).canonical();
}

bool our_scheduler(const Json& pod) {
  std::string name = str(pod.value("spec", Json::object()), "schedulerName");
  return name.empty() || name == "default-scheduler" || name == "kthena" || name == "volcano";
}

}  // namespace

Result<std::unique_ptr<NodeAgent>> NodeAgent::start(std::shared_ptr<kube::KubeClient> client,
                                                    NodeAgentOptions options) {
  std::unique_ptr<NodeAgent> agent(new NodeAgent());
  // Containers killed with a previous agent leave their cgroups behind; without root, orphaned grandchildren of
  // containers must come back to the agent to be reaped and ended.
  ContainerProcess::remove_leftover_cgroups();
  if (geteuid() != 0) (void)ContainerProcess::become_subreaper();
  NodeContext& ctx = agent->context_;
  if (options.node_name.empty()) {
    char host[256] = {};
    gethostname(host, sizeof(host) - 1);
    options.node_name = host;
  }
  if (options.kthena_binary.empty()) options.kthena_binary = fs::read_symlink("/proc/self/exe");
  std::error_code ec;
  fs::create_directories(options.data_dir / "pods", ec);
  if (ec) return fail(ErrorCode::kIo, fmt::format("data dir {}: {}", options.data_dir.string(), ec.message()));
  if (options.network.state_dir.empty()) options.network.state_dir = options.data_dir / "network";
  auto network = PodNetwork::create(options.network);
  if (!network) return fail(network.error());
  agent->network_ = std::move(*network);
  agent->images_ = std::make_unique<ImageCatalog>(options.images ? *options.images
                                                                 : ImageCatalog::simulation(options.kthena_binary));
  ctx.options = std::move(options);
  ctx.client = client;
  ctx.network = agent->network_.get();
  ctx.images = agent->images_.get();
  ctx.host_ip = agent->network_->gateway();
  auto logs = LogCollector::start(ctx.options.logs);
  if (!logs) return fail(logs.error());
  agent->logs_ = std::move(*logs);
  ctx.logs = agent->logs_.get();

  // What pods may use: the machine, or what the options declare, plus the declared accelerators.
  ResourceList& alloc = agent->allocatable_;
  alloc["cpu"] = static_cast<int64_t>(std::max(1u, std::thread::hardware_concurrency())) * 1000;
  alloc["memory"] = memory_bytes() * 1000;
  alloc["pods"] = 110 * 1000;
  alloc["ephemeral-storage"] = int64_t{100} * 1024 * 1024 * 1024 * 1000;
  for (const auto& [resource, milli] : ctx.options.capacity) alloc[resource] = milli;
  for (const auto& [resource, count] : ctx.options.accelerators) {
    alloc[resource] = int64_t{count} * 1000;
    for (int i = 0; i < count; ++i) agent->devices_[resource].push_back(std::to_string(i));
  }

  agent->informers_ = std::make_unique<kube::SharedInformers>(client);
  ctx.informers = agent->informers_.get();
  ctx.pods = &agent->informers_->get(res::pods());
  ctx.services = &agent->informers_->get(res::services());
  ctx.config_maps = &agent->informers_->get(res::config_maps());
  ctx.secrets = &agent->informers_->get(res::secrets());
  agent->pod_groups_ = &agent->informers_->get(res::pod_groups());
  agent->kubelet_events_ = std::make_unique<kube::EventRecorder>(client, "kubelet");
  agent->scheduler_events_ = std::make_unique<kube::EventRecorder>(client, "kthena-scheduler");
  ctx.events = agent->kubelet_events_.get();
  kube::EventHandler wake;
  NodeAgent* self = agent.get();
  wake.on_add = [self](const kube::ObjectPtr&) { self->wake(); };
  wake.on_update = [self](const kube::ObjectPtr&, const kube::ObjectPtr&) { self->wake(); };
  wake.on_delete = [self](const kube::ObjectPtr&) { self->wake(); };
  for (kube::Informer* informer : {ctx.pods, ctx.services, agent->pod_groups_}) informer->add_handler(wake);

  // The endpoint the API server reads container logs from; its port goes into the Node.
  LogServerOptions log_options{ctx.options.logs_listen, ctx.options.token};
  log_options.review_token = [client = ctx.client](const std::string& token) {
    Json review = {{"apiVersion", "authentication.k8s.io/v1"}, {"kind", "TokenReview"}, {"spec", {{"token", token}}}};
    auto answer =
        client->request("POST", "/apis/authentication.k8s.io/v1/tokenreviews", review.dump(), "application/json");
    if (!answer || answer->status != 201) return false;
    auto body = Json::parse(answer->body, nullptr, false);
    if (!body.is_object() || !body.contains("status") || !body["status"].is_object()) return false;
    auto authenticated = body["status"].find("authenticated");
    return authenticated != body["status"].end() && authenticated->is_boolean() && authenticated->get<bool>();
  };
  auto log_server = LogServer::start(
      log_options,
      [self](const std::string& ns, const std::string& pod, const std::string& container) {
        return self->locate_log(ns, pod, container);
      },
      *agent->logs_);
  if (!log_server) return fail(log_server.error());
  agent->log_server_ = std::move(*log_server);

  if (auto registered = agent->register_node(); !registered) return fail(registered.error());
  agent->informers_->start();
  while (!agent->informers_->wait_for_sync(1s)) spdlog::info("node: waiting for the caches to fill");

  // Networks and folders of pods this node no longer has (deleted while the agent was down).
  std::set<std::string> mine;
  for (const kube::ObjectPtr& pod : ctx.pods->cache().list()) {
    if (str(pod->value("spec", Json::object()), "nodeName") == ctx.options.node_name) {
      mine.insert(str((*pod)["metadata"], "uid"));
    }
  }
  if (auto collected = agent->network_->collect_garbage(mine); !collected) {
    spdlog::warn("node: removing the networks of pods gone: {}", collected.error().to_string());
  }
  for (const auto& entry : fs::directory_iterator(ctx.options.data_dir / "pods", ec)) {
    if (!mine.count(entry.path().filename().string())) fs::remove_all(entry.path(), ec);
  }
  spdlog::info("node: {} registered ({} cpu, {} memory{}), pods on {}", ctx.options.node_name, quantity(alloc["cpu"]),
               quantity(alloc["memory"]),
               agent->devices_.empty() ? "" : fmt::format(", {} accelerator kinds", agent->devices_.size()),
               agent->network_->isolated() ? "their own network namespaces" : "loopback addresses (no isolation)");
  agent->heartbeat_ = std::jthread([self](std::stop_token stop) { self->heartbeat(stop); });
  agent->manager_ = std::jthread([self](std::stop_token stop) { self->manage(stop); });
  return agent;
}

NodeAgent::~NodeAgent() {
  stop();
}

void NodeAgent::stop() {
  if (stopped_.exchange(true)) return;
  // Streams still following a log end first; the containers they follow are about to.
  if (log_server_) log_server_->shutdown(std::chrono::seconds(1));
  manager_.request_stop();
  heartbeat_.request_stop();
  changed_.notify_all();
  if (manager_.joinable()) manager_.join();
  if (heartbeat_.joinable()) heartbeat_.join();
  {
    std::lock_guard lock(mutex_);
    for (auto& [uid, worker] : workers_) worker->request_stop();  // all at once: each waits its grace period
    workers_.clear();                                             // joins them
  }
  if (informers_) informers_->stop();
}

void NodeAgent::wake() {
  std::lock_guard lock(mutex_);
  dirty_ = true;
  changed_.notify_all();
}

Result<void> NodeAgent::register_node() {
  const NodeAgentOptions& o = context_.options;
  Json capacity = Json::object();
  for (const auto& [resource, milli] : allocatable_) capacity[resource] = quantity(milli);
  struct utsname uts {};
  uname(&uts);
  Json labels = {{"kubernetes.io/hostname", o.node_name},
                 {"kubernetes.io/os", "linux"},
                 {"kubernetes.io/arch", "amd64"},
                 {"node.kthena.io/agent", "kthena-node"}};
  for (const auto& [k, v] : o.labels.items()) labels[k] = v;
  Json node = {{"apiVersion", "v1"},
               {"kind", "Node"},
               {"metadata", {{"name", o.node_name}, {"labels", labels}}},
               {"spec", Json::object()}};
  auto existing = context_.client->get(res::nodes(), "", o.node_name);
  if (!existing) {
    if (existing.error().code != ErrorCode::kNotFound) return fail(existing.error());
    auto created = context_.client->create(res::nodes(), "", node);
    if (!created) return fail(created.error());
    existing = std::move(created);
  } else {
    Json updated = *existing;
    for (const auto& [k, v] : labels.items()) updated["metadata"]["labels"][k] = v;
    auto written = context_.client->update(res::nodes(), updated);
    if (!written) return fail(written.error());
    existing = std::move(written);
  }
  // The API server reaches the kubelet endpoint at InternalIP:daemonEndpoints: the address it listens on, or, when
  // it listens on every address, the one pods see the host at.
  const std::string& listen_host = log_server_->host();
  std::string internal_ip = listen_host == "0.0.0.0" || listen_host == "::" ? context_.host_ip : listen_host;
  std::string now = api::now_rfc3339();
  Json status = {{"capacity", capacity},
                 {"allocatable", capacity},
                 {"conditions", Json::array({{{"type", "Ready"},
                                              {"status", "True"},
                                              {"lastHeartbeatTime", now},
                                              {"lastTransitionTime", now},
                                              {"reason", "KubeletReady"},
                                              {"message", "kthena node is posting ready status"}}})},
                 {"addresses", Json::array({{{"type", "InternalIP"}, {"address", internal_ip}},
                                            {{"type", "Hostname"}, {"address", o.node_name}}})},
                 {"daemonEndpoints", {{"kubeletEndpoint", {{"Port", log_server_->port()}}}}},
                 {"nodeInfo",
                  {{"kubeletVersion", "v1.32.0-kthena"},
                   {"kubeProxyVersion", ""},
                   {"operatingSystem", "linux"},
                   {"architecture", "amd64"},
                   {"kernelVersion", uts.release},
                   {"osImage", "kthena node (processes on the host)"},
                   {"containerRuntimeVersion", "kthena-process://1"},
                   {"machineID", ""},
                   {"systemUUID", ""},
                   {"bootID", ""}}}};
  Json with_status = *existing;
  with_status["status"] = status;
  if (auto written = context_.client->update_status(res::nodes(), with_status); !written) return fail(written.error());
  // The heartbeat Lease lives in kube-node-lease, as a kubelet's.
  Json lease_ns = {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", kLeaseNamespace}}}};
  if (auto made = context_.client->create(res::namespaces(), "", lease_ns);
      !made && made.error().code != ErrorCode::kAlreadyExists) {
    return fail(made.error());
  }
  return {};
}

Result<LogLocation> NodeAgent::locate_log(const std::string& ns, const std::string& pod,
                                          const std::string& container) const {
  kube::ObjectPtr found = context_.pods->cache().get(ns, pod);
  if (!found || str(found->value("spec", Json::object()), "nodeName") != context_.options.node_name)
    return fail(ErrorCode::kNotFound,
                fmt::format("pod \"{}/{}\" is not on node {}", ns, pod, context_.options.node_name));
  const Json& spec = (*found)["spec"];
  bool known = false;
  for (const char* list : {"containers", "initContainers"}) {
    for (const Json& c : spec.value(list, Json::array())) known |= str(c, "name") == container;
  }
  if (!known)
    return fail(ErrorCode::kNotFound, fmt::format("container \"{}\" not found in pod \"{}/{}\"", container, ns, pod));
  LogLocation location;
  location.log = context_.options.data_dir / "pods" / str((*found)["metadata"], "uid") / "logs" / (container + ".log");
  using api::lenient::member;
  for (const char* list : {"containerStatuses", "initContainerStatuses"}) {
    const Json& statuses = member(member(*found, "status"), list);
    if (!statuses.is_array()) continue;
    for (const Json& cs : statuses) {
      if (str(cs, "name") == container) location.waiting = str(member(member(cs, "state"), "waiting"), "reason");
    }
  }
  return location;
}

void NodeAgent::heartbeat(std::stop_token stop) {
  const std::string& name = context_.options.node_name;
  int64_t seconds =
      std::max<int64_t>(1, std::chrono::duration_cast<std::chrono::seconds>(context_.options.heartbeat * 4).count());
  while (!stop.stop_requested()) {
    auto lease = context_.client->get(res::leases(), kLeaseNamespace, name);
    Json next;
    if (lease) {
      next = *lease;
    } else {
      next = {{"apiVersion", "coordination.k8s.io/v1"},
              {"kind", "Lease"},
              {"metadata", {{"name", name}, {"namespace", kLeaseNamespace}}},
              {"spec", {{"holderIdentity", name}, {"leaseDurationSeconds", seconds}}}};
    }
    next["spec"]["renewTime"] = api::now_rfc3339_micro();
    auto written = lease ? context_.client->update(res::leases(), next)
                         : context_.client->create(res::leases(), kLeaseNamespace, next);
    if (!written && written.error().code != ErrorCode::kConflict) {
      spdlog::warn("node: heartbeat: {}", written.error().to_string());
    }
    std::mutex m;
    std::unique_lock lock(m);
    std::condition_variable_any().wait_for(lock, stop, context_.options.heartbeat, [] { return false; });
  }
}

void NodeAgent::manage(std::stop_token stop) {
  while (!stop.stop_requested()) {
    {
      std::unique_lock lock(mutex_);
      changed_.wait_for(lock, stop, 1s, [this] { return dirty_; });
      dirty_ = false;
    }
    if (stop.stop_requested()) break;
    schedule_pass();
    sync_workers();
  }
}

void NodeAgent::schedule_pass() {
  const std::string& node_name = context_.options.node_name;
  std::vector<kube::ObjectPtr> pods;
  bool pending = false;
  for (const kube::ObjectPtr& pod : context_.pods->cache().list()) {
    const Json& spec = pod->value("spec", Json::object());
    std::string bound = str(spec, "nodeName");
    if (bound == node_name) {
      pods.push_back(pod);
    } else if (bound.empty() && our_scheduler(*pod) && !(*pod)["metadata"].contains("deletionTimestamp")) {
      pods.push_back(pod);
      pending = true;
    }
  }
  if (!pending) return;
  NodeState node;
  node.name = node_name;
  node.allocatable = allocatable_;
  node.labels = {{"kubernetes.io/hostname", node_name}, {"kubernetes.io/os", "linux"}};
  for (const auto& [k, v] : context_.options.labels.items()) node.labels[k] = v;
  node.devices = devices_;
  Decisions decisions = schedule(node, pods, pod_groups_->cache().list());
  for (const Binding& b : decisions.bindings) {
    auto slash = b.pod_key.find('/');
    std::string ns = b.pod_key.substr(0, slash), name = b.pod_key.substr(slash + 1);
    kube::ObjectPtr pod = context_.pods->cache().get(b.pod_key);
    if (!pod) continue;
    if (!b.devices.empty() && !record_devices(b)) continue;
    Json binding = {{"apiVersion", "v1"},
                    {"kind", "Binding"},
                    {"metadata", {{"name", name}, {"namespace", ns}, {"uid", str((*pod)["metadata"], "uid")}}},
                    {"target", {{"apiVersion", "v1"}, {"kind", "Node"}, {"name", node_name}}}};
    auto bound = context_.client->create_subresource(res::pods(), ns, name, "binding", binding);
    if (!bound) {
      if (bound.error().code != ErrorCode::kConflict)
        spdlog::warn("node: binding {}: {}", b.pod_key, bound.error().to_string());
      continue;
    }
    reported_.erase(b.pod_key);
    scheduler_events_->record(*pod, "Normal", "Scheduled",
                              fmt::format("Successfully assigned {} to {}", b.pod_key, node_name));
  }
  for (const Binding& b : decisions.adopted) record_devices(b);
  for (const GangOutcome& gang : decisions.gangs) write_pod_group(gang);
  for (const Waiting& w : decisions.waiting) {
    auto& last = reported_[w.pod_key];
    if (last == w.message) continue;
    last = w.message;
    kube::ObjectPtr pod = context_.pods->cache().get(w.pod_key);
    if (!pod) continue;
    scheduler_events_->record(*pod, "Warning", "FailedScheduling", w.message);
    Json updated = *pod;
    Json conditions = Json::array();
    for (const Json& c : pod->value("status", Json::object()).value("conditions", Json::array())) {
      if (str(c, "type") != "PodScheduled") conditions.push_back(c);
    }
    conditions.push_back({{"type", "PodScheduled"},
                          {"status", "False"},
                          {"reason", w.reason},
                          {"message", w.message},
                          {"lastProbeTime", nullptr},
                          {"lastTransitionTime", api::now_rfc3339()}});
    updated["status"]["conditions"] = conditions;
    if (!updated["status"].contains("phase")) updated["status"]["phase"] = "Pending";
    (void)context_.client->update_status(res::pods(), updated);
  }
}

bool NodeAgent::record_devices(const Binding& b) {
  auto slash = b.pod_key.find('/');
  Json devices = Json::object();
  for (const auto& [resource, ids] : b.devices) devices[resource] = ids;
  Json patch = {{"metadata", {{"annotations", {{kDevicesAnnotation, devices.dump()}}}}}};
  auto patched = context_.client->patch(res::pods(), b.pod_key.substr(0, slash), b.pod_key.substr(slash + 1),
                                        kube::PatchType::kMerge, patch);
  if (!patched) spdlog::warn("node: recording the devices of {}: {}", b.pod_key, patched.error().to_string());
  return patched.has_value();
}

// The PodGroup's phase and condition as Volcano writes them, when they changed.
void NodeAgent::write_pod_group(const GangOutcome& gang) {
  kube::ObjectPtr group = pod_groups_->cache().get(gang.pod_group);
  if (!group) return;
  PodGroupStatus next = pod_group_status(gang);
  Json status = group->value("status", Json::object());
  Json conditions = Json::array();
  bool same = status.value("phase", "") == next.phase;
  std::string type = str(next.condition, "type");
  bool found = false;
  for (const Json& c : status.value("conditions", Json::array())) {
    if (str(c, "type") != type) {
      conditions.push_back(c);
      continue;
    }
    found = true;
    same &= str(c, "status") == str(next.condition, "status") && str(c, "reason") == str(next.condition, "reason") &&
            str(c, "message") == str(next.condition, "message");
    if (!same) continue;
    conditions.push_back(c);
  }
  if (same && found) return;
  Json condition = next.condition;
  condition["lastTransitionTime"] = api::now_rfc3339();
  condition["transitionID"] = str((*group)["metadata"], "uid");
  // The other condition type (Scheduled vs Unschedulable) is stale once this one holds.
  Json kept = Json::array();
  for (const Json& c : conditions) {
    if (str(c, "type") != "Scheduled" && str(c, "type") != "Unschedulable") kept.push_back(c);
  }
  kept.push_back(condition);
  Json updated = *group;
  updated["status"]["phase"] = next.phase;
  updated["status"]["conditions"] = kept;
  updated["status"]["running"] = gang.placed;
  if (auto written = context_.client->update_status(res::pod_groups(), updated);
      !written && written.error().code != ErrorCode::kConflict) {
    spdlog::warn("node: status of PodGroup {}: {}", gang.pod_group, written.error().to_string());
  }
  if (!gang.scheduled && !gang.message.empty()) {
    scheduler_events_->record(*group, "Warning", "Unschedulable", gang.message);
  }
}

void NodeAgent::sync_workers() {
  const std::string& node_name = context_.options.node_name;
  std::lock_guard lock(mutex_);
  for (const kube::ObjectPtr& pod : context_.pods->cache().list()) {
    if (str(pod->value("spec", Json::object()), "nodeName") != node_name) continue;
    std::string uid = str((*pod)["metadata"], "uid");
    if (!workers_.count(uid)) {
      workers_[uid] = std::make_unique<PodWorker>(context_, kube::ObjectCache::key_of(*pod), uid);
    }
  }
  for (auto it = workers_.begin(); it != workers_.end();) {
    if (it->second->finished()) {
      it = workers_.erase(it);
    } else {
      it->second->notify();
      ++it;
    }
  }
}

}  // namespace kthena::node
