#include "node/pod_worker.h"

#include "api/json_fields.h"

#include <unistd.h>

#include <fstream>
#include <optional>
#include <sstream>
#include <system_error>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include "api/values/rfc3339_time.h"
#include "common/base64.h"
#include "node/hosts_file.h"
#include "node/pod_env.h"
#include "node/pod_volumes.h"
#include "node/probes.h"
#include "node/process/container_process.h"

namespace kthena::node {

using api::lenient::str;
namespace {

namespace fs = std::filesystem;
namespace res = kube::resources;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// The probe delays an engine on kthena engine-sim gets at most, where the engine's own (often minutes) cover loading
// weights. Readiness: the simulator serves within a second or two of its start. Liveness: a minute, since a liveness
// failure restarts the engine, and on a loaded machine (sixty pods starting on two cores, or a sanitizer build, whose
// binary took 22 s to serve) a 2 s delay killed engines in a loop before they ever listened.
constexpr ProbeDelayCaps kSimulatedProbeDelays{.ready = 2, .liveness = 60};
// How often a container whose configuration failed (a missing Secret or ConfigMap) is tried again.
constexpr std::chrono::seconds kConfigRetry{10};

// Rewrites `path` in place when its content differs: it is bind-mounted into running containers, so a rename
// would leave them the old file.
void write_in_place(const fs::path& path, const std::string& content) {
  std::ifstream in(path);
  std::stringstream current;
  current << in.rdbuf();
  if (in && current.str() == content) return;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
}

std::optional<int64_t> int_of(const Json& object, const char* key) {
  if (!object.is_object()) return std::nullopt;
  auto it = object.find(key);
  if (it == object.end() || !it->is_number_integer()) return std::nullopt;
  return it->get<int64_t>();
}

}  // namespace

namespace worker_detail {

// One container of the pod, across its restarts.
struct Container {
  Json spec;
  bool init = false;
  std::string name;
  std::unique_ptr<ContainerProcess> process;
  int restarts = 0;
  std::string started_at;
  Clock::time_point started_clock{};
  std::optional<ExitStatus> exited;  // the current instance ended (and was not restarted yet)
  std::string exit_message;          // why it ended, when it could not start
  std::string finished_at;
  Json last_state = Json::object();
  std::string waiting_reason = "ContainerCreating", waiting_message;
  Clock::time_point restart_at{};
  std::chrono::milliseconds backoff{0};
  std::optional<ProbeTracker> startup, liveness, readiness;
  bool completed = false;  // an init container that succeeded
};

}  // namespace worker_detail

using worker_detail::Container;

struct PodWorker::State {
  bool set_up = false;
  std::string pod_ip;
  std::string netns;
  fs::path pod_dir;
  fs::path hosts_path;
  std::map<std::string, fs::path> volumes;
  std::string start_time;
  std::vector<Container> init_containers, containers;
  std::string failure_reason, failure_message;  // the pod cannot start at all (pod-level error)
  Json last_status;                             // what we last wrote
  bool terminated = false;                      // every container stopped for good
  Clock::time_point last_delete{};              // the final delete, retried until the object is gone
};

PodWorker::PodWorker(NodeContext& context, std::string key, std::string uid)
    : context_(context), key_(std::move(key)), uid_(std::move(uid)), state_(std::make_unique<State>()) {
  thread_ = std::jthread([this](std::stop_token stop) { run(stop); });
}

PodWorker::~PodWorker() {
  thread_.request_stop();
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void PodWorker::notify() {
  std::lock_guard lock(mutex_);
  notified_ = true;
  wake_.notify_all();
}

void PodWorker::request_stop() {
  thread_.request_stop();
  wake_.notify_all();
}

bool PodWorker::finished() const {
  std::lock_guard lock(mutex_);
  return finished_;
}

namespace {

// The pod's folder goes: its logs are closed first, so that the collector writes nothing into a folder being removed.
void remove_pod_folder(NodeContext& ctx, const std::string& uid, const PodWorker::State& s) {
  fs::path dir = ctx.options.data_dir / "pods" / uid;
  for (const auto* list : {&s.init_containers, &s.containers}) {
    for (const Container& c : *list) ctx.logs->close(dir / "logs" / (c.name + ".log"));
  }
  std::error_code ec;
  fs::remove_all(dir, ec);
}

// Everything one pass of a pod worker needs.
struct Pass {
  NodeContext& ctx;
  const Json& pod;
  PodWorker::State& s;
  const std::string& uid;
  std::string ns, name;

  Pass(NodeContext& c, const Json& p, PodWorker::State& state, const std::string& u)
      : ctx(c), pod(p), s(state), uid(u), ns(str(p["metadata"], "namespace")), name(str(p["metadata"], "name")) {}

  const Json& spec() const { return pod["spec"]; }

  void event(std::string_view type, std::string_view reason, const std::string& message) {
    ctx.events->record(pod, type, reason, message);
  }

  std::optional<Json> lookup(const std::string& kind, const std::string& object_name) {
    kube::Informer* informer = kind == "secrets" ? ctx.secrets : ctx.config_maps;
    kube::ObjectPtr found = informer->cache().get(ns, object_name);
    if (!found) return std::nullopt;
    Json out = *found;
    if (kind == "secrets") {
      Json decoded = Json::object();
      const Json data = found->value("data", Json::object());
      for (const auto& [k, v] : data.items()) {
        if (!v.is_string()) continue;
        auto bytes = base64_decode(v.get<std::string>());
        if (bytes) decoded[k] = *bytes;
      }
      out["data"] = decoded;
    }
    return out;
  }
  ObjectLookup lookup_fn() {
    return [this](const std::string& kind, const std::string& n) { return lookup(kind, n); };
  }

  std::optional<uid_t> run_as_user(const Json& container) {
    for (const Json* sc : {&container, &spec()}) {
      const Json& ctx_json = sc->value("securityContext", Json::object());
      if (auto u = int_of(ctx_json, "runAsUser")) return static_cast<uid_t>(*u);
    }
    return std::nullopt;
  }
  std::optional<gid_t> run_as_group(const Json& container) {
    for (const Json* sc : {&container, &spec()}) {
      const Json& ctx_json = sc->value("securityContext", Json::object());
      if (auto g = int_of(ctx_json, "runAsGroup")) return static_cast<gid_t>(*g);
    }
    return std::nullopt;
  }

  // Network, folders, volumes, hosts file: once per pod (the address is kept across agent restarts).
  bool set_up() {
    if (s.set_up) return true;
    s.pod_dir = ctx.options.data_dir / "pods" / uid;
    std::error_code ec;
    fs::create_directories(s.pod_dir / "logs", ec);
    auto net = ctx.network->setup(uid);
    if (!net) {
      s.failure_reason = "FailedCreatePodSandBox";
      s.failure_message = "setting up the pod network: " + net.error().to_string();
      return false;
    }
    s.pod_ip = net->ip;
    s.netns = net->netns_path;
    VolumeOptions volume_options{s.pod_dir,
                                 ctx.options.data_dir / "claims",
                                 ctx.options.host_paths,
                                 ctx.options.host_path_root,
                                 ctx.options.default_uid,
                                 ctx.options.default_gid};
    auto volumes = prepare_volumes(pod, volume_options, lookup_fn(), s.pod_ip);
    if (!volumes) {
      s.failure_reason = "FailedMount";
      s.failure_message = volumes.error().to_string();
      event("Warning", "FailedMount", s.failure_message);
      return false;
    }
    s.volumes = std::move(*volumes);
    s.hosts_path = s.pod_dir / "etc-hosts";
    refresh_hosts();
    s.start_time = api::now_rfc3339();
    auto make = [&](const char* list, bool init, std::vector<Container>& out) {
      for (const Json& c : spec().value(list, Json::array())) {
        Container container;
        container.spec = c;
        container.init = init;
        container.name = str(c, "name");
        out.push_back(std::move(container));
      }
    };
    make("initContainers", true, s.init_containers);
    make("containers", false, s.containers);
    // An agent that restarts finds its pods' processes gone (they die with it): each running container of the last
    // status restarts, and counts as a restart, as after a node reboot.
    const Json& status = pod.value("status", Json::object());
    for (const char* list : {"initContainerStatuses", "containerStatuses"}) {
      for (const Json& cs : status.value(list, Json::array())) {
        for (auto* containers : {&s.init_containers, &s.containers}) {
          for (Container& c : *containers) {
            if (c.name != str(cs, "name")) continue;
            c.restarts = static_cast<int>(int_of(cs, "restartCount").value_or(0));
            const Json& state = cs.value("state", Json::object());
            if (state.contains("running")) ++c.restarts;
            if (c.init && state.contains("terminated") && state["terminated"].value("exitCode", 1) == 0) {
              c.completed = true;
            }
          }
        }
      }
    }
    s.set_up = true;
    return true;
  }

  void refresh_hosts() {
    if (s.hosts_path.empty()) return;
    std::vector<kube::ObjectPtr> pods, services;
    for (const kube::ObjectPtr& p : ctx.pods->cache().list()) {
      if (str((*p)["metadata"], "namespace") == ns) pods.push_back(p);
    }
    for (const kube::ObjectPtr& svc : ctx.services->cache().list()) {
      if (str((*svc)["metadata"], "namespace") == ns) services.push_back(svc);
    }
    write_in_place(s.hosts_path, hosts_file(pod, s.pod_ip, pods, services));
  }

  std::string restart_policy() const {
    std::string policy = str(spec(), "restartPolicy");
    return policy.empty() ? "Always" : policy;
  }

  // Starts one container: image -> host command, environment, mounts; a failure is the container's waiting reason.
  void start(Container& c) {
    auto env = container_env(pod, c.spec, s.pod_ip, ctx.host_ip, lookup_fn());
    if (!env) {
      c.waiting_reason = "CreateContainerConfigError";
      c.restart_at = Clock::now() + kConfigRetry;
      c.waiting_message = env.error().to_string();
      event("Warning", "Failed", "Error: " + c.waiting_message);
      return;
    }
    for (auto& kv : device_env(devices())) env->push_back(kv);
    bool has_path = false;
    for (const auto& [k, v] : *env) has_path |= k == "PATH";
    if (!has_path) env->emplace_back("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    env->emplace_back("HOSTNAME", name);
    ContainerRun run;
    run.image = str(c.spec, "image");
    run.command = expand_all(c.spec.value("command", Json::array()), *env);
    run.args = expand_all(c.spec.value("args", Json::array()), *env);
    for (const Json& p : c.spec.value("ports", Json::array())) {
      if (auto port = int_of(p, "containerPort")) run.ports.push_back(static_cast<int>(*port));
    }
    run.scratch_dir = s.pod_dir / "containers" / c.name;
    run.pod_ip = s.pod_ip;
    run.env = *env;
    run.shared_network = !ctx.network->isolated();
    const Json labels = pod["metadata"].value("labels", Json::object());
    for (const auto& [k, v] : labels.items()) {
      if (v.is_string()) run.pod_labels.emplace_back(k, v.get<std::string>());
    }
    std::optional<uid_t> user = run_as_user(c.spec);
    if (user && *user == 0 && !ctx.options.allow_root) {
      c.waiting_reason = "CreateContainerConfigError";
      c.restart_at = Clock::now() + kConfigRetry;
      c.waiting_message = "container asks to run as root (runAsUser 0), which this node does not allow";
      event("Warning", "Failed", "Error: " + c.waiting_message);
      return;
    }
    uid_t run_uid = user.value_or(ctx.options.default_uid);
    gid_t run_gid = run_as_group(c.spec).value_or(ctx.options.default_gid);
    // The container's own folder (generated configs, a server's temp files): its user's alone. The pod folder
    // above it is traversable, not listable, so pods cannot read each other's files.
    std::error_code ec;
    fs::create_directories(run.scratch_dir, ec);
    (void)::chown(run.scratch_dir.c_str(), run_uid, run_gid);
    fs::permissions(run.scratch_dir, fs::perms::owner_all, ec);
    fs::permissions(s.pod_dir, fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec, ec);
    fs::permissions(s.pod_dir / "containers", fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec,
                    ec);
    auto host = ctx.images->resolve(run);
    if (!host) {
      c.waiting_reason = "ErrImagePull";
      c.waiting_message = host.error().message;
      event("Warning", "Failed", "Failed to pull image \"" + run.image + "\": " + c.waiting_message);
      return;
    }
    for (const auto& [path, content] : host->files) {
      fs::create_directories(path.parent_path(), ec);
      std::ofstream(path, std::ios::trunc) << content;
      (void)::chown(path.c_str(), run_uid, run_gid);
    }
    event("Normal", "Pulled",
          host->note.empty() ? "Container image \"" + run.image + "\" resolved on the host" : host->note);
    if (host->engine_sim) {
      // Once per container: the spec keeps the capped delays across restarts.
      auto capped = cap_initial_delays(c.spec, kSimulatedProbeDelays);
      if (!capped.empty()) {
        event("Normal", "ProbeDelayCapped",
              fmt::format("container {} runs on kthena engine-sim, which loads no weights: initialDelaySeconds "
                          "lowered ({})",
                          c.name, fmt::join(capped, ", ")));
      }
    }
    auto mounts = container_mounts(c.spec, s.volumes);
    if (!mounts) {
      c.waiting_reason = "CreateContainerConfigError";
      c.restart_at = Clock::now() + kConfigRetry;
      c.waiting_message = mounts.error().to_string();
      return;
    }
    ContainerLaunch launch;
    launch.argv = host->argv;
    launch.env = *env;
    for (auto& kv : host->env) launch.env.push_back(kv);
    launch.working_dir = str(c.spec, "workingDir");
    if (launch.working_dir.empty()) launch.working_dir = run.scratch_dir.string();  // its own, writable folder
    launch.mounts = std::move(*mounts);
    launch.hosts_file = s.hosts_path;
    launch.netns_path = s.netns;
    launch.name = uid + "_" + c.name;
    launch.allow_root = ctx.options.allow_root;
    launch.uid = run_uid;
    launch.gid = run_gid;
    // stdout and stderr go through pipes to the agent's log collector, which writes the log file.
    auto output = ctx.logs->open(s.pod_dir / "logs" / (c.name + ".log"), run_uid, run_gid);
    if (!output) {
      c.waiting_reason = "RunContainerError";
      c.waiting_message = "container log: " + output.error().to_string();
      event("Warning", "Failed", "Error: " + c.waiting_message);
      return;
    }
    launch.state_dir = run.scratch_dir;
    launch.stdout_fd = output->stdout_fd.get();
    launch.stderr_fd = output->stderr_fd.get();
    const Json& limits = c.spec.value("resources", Json::object()).value("limits", Json::object());
    ResourceList limit_list =
        pod_requests(Json{{"spec", {{"containers", Json::array({{{"resources", {{"requests", limits}}}}})}}}});
    launch.cpu_limit_millis = limit_list.count("cpu") ? limit_list["cpu"] : 0;
    launch.memory_limit_bytes = limit_list.count("memory") ? limit_list["memory"] / 1000 : 0;
    auto process = ContainerProcess::start(launch);
    if (!process) {
      // As the kubelet: a terminated instance that never ran (StartError, exit code 128, no start time), restarted
      // with back-off as restartPolicy says (a mount or a user may be fixed on the node meanwhile).
      c.waiting_reason = "RunContainerError";
      c.waiting_message = process.error().message;
      c.exit_message = c.waiting_message;
      c.started_at.clear();
      c.started_clock = Clock::now();  // the back-off doubles over repeated failures
      event("Warning", "Failed", "Error: " + c.waiting_message);
      handle_exit(c, ExitStatus{128, 0, "StartError"});
      return;
    }
    c.exit_message.clear();
    c.process = std::move(*process);
    for (const std::string& warning : c.process->warnings()) event("Warning", "ResourceLimits", warning);
    c.exited.reset();
    c.waiting_reason.clear();
    c.waiting_message.clear();
    c.started_at = api::now_rfc3339();
    c.started_clock = Clock::now();
    auto now = Clock::now();
    c.startup.reset();
    c.liveness.reset();
    c.readiness.reset();
    if (c.spec.contains("startupProbe")) c.startup.emplace(c.spec["startupProbe"], now, false);
    if (c.spec.contains("livenessProbe")) c.liveness.emplace(c.spec["livenessProbe"], now, true);
    if (c.spec.contains("readinessProbe")) c.readiness.emplace(c.spec["readinessProbe"], now, false);
    event("Normal", "Started", "Started container " + c.name);
    post_start(c);
  }

  void post_start(Container& c) {
    const Json& hook = c.spec.value("lifecycle", Json::object()).value("postStart", Json());
    if (hook.is_null()) return;
    auto outcome = run_probe(hook, s.pod_ip, c.spec, c.process.get());
    if (!outcome.ok) {
      event("Warning", "FailedPostStartHook", outcome.message);
      c.process->stop(2s);
    }
  }

  std::map<std::string, std::vector<std::string>> devices() const {
    std::map<std::string, std::vector<std::string>> out;
    const Json& annotations = pod["metadata"].value("annotations", Json::object());
    std::string text = str(annotations, kDevicesAnnotation);
    if (text.empty()) return out;
    const Json parsed = Json::parse(text, nullptr, false);
    if (!parsed.is_object()) return out;
    for (const auto& [k, v] : parsed.items()) {
      if (!v.is_array()) continue;
      for (const Json& id : v) {
        if (id.is_string()) out[k].push_back(id.get<std::string>());
      }
    }
    return out;
  }

  // The current instance ended: restart it (after back-off) when the policy says so.
  void handle_exit(Container& c, ExitStatus exit) {
    c.exited = exit;
    c.finished_at = api::now_rfc3339();
    c.process.reset();
    if (c.init && exit.exit_code == 0) {
      c.completed = true;
      return;
    }
    std::string policy = restart_policy();
    bool restart = policy == "Always" || (policy == "OnFailure" && exit.exit_code != 0) ||
                   (c.init && exit.exit_code != 0 && policy != "Never");
    if (!restart) return;
    // CrashLoopBackOff: 10 s doubling to 5 min; a container that ran 10 minutes starts over.
    if (Clock::now() - c.started_clock > 10min) c.backoff = 0ms;
    c.backoff = c.backoff.count() == 0 ? ctx.options.backoff_base : std::min(ctx.options.backoff_max, c.backoff * 2);
    c.restart_at = Clock::now() + c.backoff;
    c.waiting_reason = "CrashLoopBackOff";
    c.waiting_message =
        fmt::format("back-off {}s restarting failed container={} pod={}_{}({})",
                    std::chrono::duration_cast<std::chrono::seconds>(c.backoff).count(), c.name, name, ns, uid);
    event("Warning", "BackOff",
          "Back-off restarting failed container " + c.name + " in pod " + name + "_" + ns + "(" + uid + ")");
  }

  // The ended instance, as a terminated state. One that never started has no startedAt (the API server refuses an
  // empty timestamp).
  static Json terminated(const Container& c) {
    Json t = {{"exitCode", c.exited->exit_code}, {"reason", c.exited->reason}, {"finishedAt", c.finished_at}};
    if (!c.started_at.empty()) t["startedAt"] = c.started_at;
    if (c.exited->signal != 0) t["signal"] = c.exited->signal;
    if (!c.exit_message.empty()) t["message"] = c.exit_message;
    return t;
  }

  void restart_if_due(Container& c) {
    if (c.process || c.completed || Clock::now() < c.restart_at) return;
    if (c.waiting_reason == "CreateContainerConfigError") {
      // As the kubelet's sync loop: a Secret or ConfigMap created later lets the container start. Not a restart.
      start(c);
      return;
    }
    if (c.waiting_reason != "CrashLoopBackOff") return;
    if (c.exited) c.last_state = {{"terminated", terminated(c)}};
    ++c.restarts;
    start(c);
  }

  void probe(Container& c) {
    if (!c.process) return;
    auto now = Clock::now();
    if (c.startup && !c.startup->passing()) {
      if (c.startup->due(now)) {
        auto outcome = run_probe(c.spec["startupProbe"], s.pod_ip, c.spec, c.process.get());
        c.startup->record(outcome, now);
        if (!outcome.ok) event("Warning", "Unhealthy", "Startup probe failed: " + outcome.message);
      }
      return;  // liveness and readiness wait for the startup probe
    }
    if (c.liveness && c.liveness->due(now)) {
      auto outcome = run_probe(c.spec["livenessProbe"], s.pod_ip, c.spec, c.process.get());
      if (!outcome.ok) event("Warning", "Unhealthy", "Liveness probe failed: " + outcome.message);
      if (c.liveness->record(outcome, now) && !c.liveness->passing()) {
        event("Normal", "Killing", "Container " + c.name + " failed liveness probe, will be restarted");
        ExitStatus exit = c.process->stop(grace());
        handle_exit(c, exit);
        return;
      }
    }
    if (c.readiness && c.readiness->due(now)) {
      auto outcome = run_probe(c.spec["readinessProbe"], s.pod_ip, c.spec, c.process.get());
      if (!outcome.ok && c.readiness->passing())
        event("Warning", "Unhealthy", "Readiness probe failed: " + outcome.message);
      c.readiness->record(outcome, now);
    }
  }

  std::chrono::milliseconds grace() const {
    auto seconds = int_of(pod["metadata"], "deletionGracePeriodSeconds");
    if (!seconds) seconds = int_of(spec(), "terminationGracePeriodSeconds");
    return std::chrono::seconds(seconds.value_or(30));
  }

  bool container_ready(const Container& c) const {
    if (!c.process) return false;
    if (c.startup && !c.startup->passing()) return false;
    return c.readiness ? c.readiness->passing() : true;
  }

  // One pass over a live pod.
  void sync() {
    if (!set_up()) return;
    refresh_hosts();
    // Init containers, one at a time, in order.
    for (Container& c : s.init_containers) {
      if (c.completed) continue;
      if (c.process) {
        if (auto exit = c.process->poll()) handle_exit(c, *exit);
      } else if (c.waiting_reason == "ContainerCreating") {
        start(c);
      } else {
        restart_if_due(c);
      }
      if (!c.completed) return;
    }
    for (Container& c : s.containers) {
      if (c.process) {
        if (auto exit = c.process->poll()) {
          handle_exit(c, *exit);
          continue;
        }
        probe(c);
      } else if (c.waiting_reason == "ContainerCreating") {
        start(c);
      } else {
        restart_if_due(c);
      }
    }
  }

  Json container_status(const Container& c) const {
    Json st = {{"name", c.name},
               {"image", str(c.spec, "image")},
               {"imageID", ""},
               {"containerID", fmt::format("kthena://{}/{}/{}", uid, c.name, c.restarts)},
               {"ready", container_ready(c)},
               {"restartCount", c.restarts},
               {"started", c.process != nullptr && (!c.startup || c.startup->passing())}};
    if (c.process) {
      st["state"] = {{"running", {{"startedAt", c.started_at}}}};
    } else if (c.exited && (c.completed || c.waiting_reason != "CrashLoopBackOff")) {
      st["state"] = {{"terminated", terminated(c)}};
    } else {
      Json w = {{"reason", c.waiting_reason.empty() ? "ContainerCreating" : c.waiting_reason}};
      if (!c.waiting_message.empty()) w["message"] = c.waiting_message;
      st["state"] = {{"waiting", w}};
    }
    st["lastState"] = c.last_state;
    return st;
  }

  // The status this node reports, merged into what the pod has (conditions of other writers are kept).
  Json status() const {
    Json out = pod.value("status", Json::object());
    bool initialized = true;
    for (const Container& c : s.init_containers) initialized &= c.completed;
    bool all_ready = !s.containers.empty(), any_running = false, all_done = true, any_failed = false;
    for (const Container& c : s.containers) {
      all_ready &= container_ready(c);
      any_running |= c.process != nullptr;
      bool done = !c.process && c.exited && c.waiting_reason != "CrashLoopBackOff";
      all_done &= done;
      any_failed |= done && c.exited->exit_code != 0;
    }
    bool init_failed = false;
    for (const Container& c : s.init_containers) {
      init_failed |= !c.completed && c.exited && c.exited->exit_code != 0 && restart_policy() == "Never";
    }
    std::string phase = "Pending";
    if (init_failed) {
      phase = "Failed";
    } else if (s.set_up && initialized && all_done && !s.containers.empty()) {
      phase = any_failed ? "Failed" : "Succeeded";
    } else if (any_running || (initialized && s.set_up && !all_done && !s.containers.empty() &&
                               std::any_of(s.containers.begin(), s.containers.end(),
                                           [](const Container& c) { return c.restarts > 0; }))) {
      phase = "Running";
    }
    out["phase"] = phase;
    if (!s.failure_reason.empty() && !s.set_up) {
      out["reason"] = s.failure_reason;
      out["message"] = s.failure_message;
    } else {
      out.erase("reason");
      out.erase("message");
    }
    out["hostIP"] = ctx.host_ip;
    out["hostIPs"] = Json::array({{{"ip", ctx.host_ip}}});
    if (!s.pod_ip.empty()) {
      out["podIP"] = s.pod_ip;
      out["podIPs"] = Json::array({{{"ip", s.pod_ip}}});
    }
    if (!s.start_time.empty()) out["startTime"] = s.start_time;
    // Readiness gates: Ready needs every gate's condition True too.
    bool gates = true;
    const Json& existing = pod.value("status", Json::object()).value("conditions", Json::array());
    for (const Json& gate : spec().value("readinessGates", Json::array())) {
      bool set = false;
      for (const Json& c : existing) set |= str(c, "type") == str(gate, "conditionType") && str(c, "status") == "True";
      gates &= set;
    }
    std::map<std::string, bool> ours = {{"PodScheduled", true},
                                        {"Initialized", initialized},
                                        {"ContainersReady", all_ready},
                                        {"Ready", all_ready && gates}};
    Json conditions = Json::array();
    for (const Json& c : existing) {
      std::string type = str(c, "type");
      if (!ours.count(type)) conditions.push_back(c);
    }
    std::string now = api::now_rfc3339();
    for (const char* type : {"PodScheduled", "Initialized", "ContainersReady", "Ready"}) {
      std::string status = ours[type] ? "True" : "False";
      std::string since = now;
      for (const Json& c : existing) {
        if (str(c, "type") == type && str(c, "status") == status) since = str(c, "lastTransitionTime");
      }
      Json condition = {{"type", type}, {"status", status}, {"lastProbeTime", nullptr}, {"lastTransitionTime", since}};
      conditions.push_back(condition);
    }
    out["conditions"] = conditions;
    Json init = Json::array(), main = Json::array();
    for (const Container& c : s.init_containers) init.push_back(container_status(c));
    for (const Container& c : s.containers) main.push_back(container_status(c));
    if (!init.empty()) out["initContainerStatuses"] = init;
    out["containerStatuses"] = main;
    return out;
  }

  void write_status() {
    Json next = status();
    if (next == pod.value("status", Json::object())) return;
    Json updated = pod;
    updated["status"] = next;
    auto written = ctx.client->update_status(res::pods(), updated);
    if (!written && written.error().code != ErrorCode::kConflict && written.error().code != ErrorCode::kNotFound) {
      spdlog::warn("node: status of pod {}/{}: {}", ns, name, written.error().to_string());
    }
  }

  // The pod is being deleted: preStop hooks, SIGTERM, SIGKILL after the grace period, then its network, its
  // folder, and the object itself.
  void terminate() {
    auto deadline = Clock::now() + grace();
    for (Container& c : s.containers) {
      if (!c.process) continue;
      const Json& hook = c.spec.value("lifecycle", Json::object()).value("preStop", Json());
      if (!hook.is_null()) {
        if (hook.contains("sleep")) {
          std::this_thread::sleep_for(std::chrono::seconds(hook["sleep"].value("seconds", 0)));
        } else {
          auto outcome = run_probe(hook, s.pod_ip, c.spec, c.process.get());
          if (!outcome.ok) event("Warning", "FailedPreStopHook", outcome.message);
        }
      }
    }
    for (auto* list : {&s.containers, &s.init_containers}) {
      for (Container& c : *list) {
        if (!c.process) continue;
        event("Normal", "Killing", "Stopping container " + c.name);
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        c.exited = c.process->stop(std::max(left, 0ms));
        c.process.reset();
      }
    }
    if (s.terminated && Clock::now() - s.last_delete < 2s) return;
    s.terminated = true;
    s.last_delete = Clock::now();
    if (auto torn = ctx.network->teardown(uid); !torn) {
      spdlog::warn("node: pod {}/{}: network teardown: {}", ns, name, torn.error().to_string());
    }
    remove_pod_folder(ctx, uid, s);
    kube::DeleteOptions options;
    options.grace_period_seconds = 0;
    options.precondition_uid = uid;
    auto removed = ctx.client->remove(res::pods(), ns, name, options);
    if (!removed && removed.error().code != ErrorCode::kNotFound && removed.error().code != ErrorCode::kConflict) {
      spdlog::warn("node: removing pod {}/{}: {}", ns, name, removed.error().to_string());
    }
  }
};

}  // namespace

void PodWorker::run(std::stop_token stop) {
  while (!stop.stop_requested()) {
    kube::ObjectPtr pod = context_.pods->cache().get(key_);
    bool ours = pod && str((*pod)["metadata"], "uid") == uid_ &&
                str(pod->value("spec", Json::object()), "nodeName") == context_.options.node_name;
    if (!ours) {
      // Deleted (or replaced by a pod of the same name): stop what runs, clean up, done.
      Json gone = pod ? *pod : Json{{"metadata", {{"namespace", ""}, {"name", ""}}}, {"spec", Json::object()}};
      for (auto* list : {&state_->init_containers, &state_->containers}) {
        for (Container& c : *list) {
          if (c.process) c.process->stop(2s);
          c.process.reset();
        }
      }
      (void)context_.network->teardown(uid_);
      remove_pod_folder(context_, uid_, *state_);
      std::lock_guard lock(mutex_);
      finished_ = true;
      return;
    }
    Pass pass(context_, *pod, *state_, uid_);
    if ((*pod)["metadata"].contains("deletionTimestamp")) {
      pass.terminate();
    } else {
      pass.sync();
      pass.write_status();
    }
    std::unique_lock lock(mutex_);
    wake_.wait_for(lock, stop, 200ms, [this] { return notified_; });
    notified_ = false;
  }
  // The agent is stopping: the containers end here, on the thread that started them (their parent-death signal is
  // tied to it), gracefully rather than by that signal.
  for (auto* list : {&state_->init_containers, &state_->containers}) {
    for (Container& c : *list) {
      if (c.process) c.process->stop(2s);
    }
  }
}

}  // namespace kthena::node
