#include "node/images/image_catalog.h"

#include <fmt/format.h>
#include <algorithm>
#include <cstdlib>

#include "node/images/engine_invocation.h"
#include "node/images/image_reference.h"
#include "node/images/nginx_config.h"
#include "node/images/shell_script.h"

namespace kthena::node {
namespace {

namespace fs = std::filesystem;
using Env = std::vector<std::pair<std::string, std::string>>;

constexpr const char* kModelNameLabel = "workload.serving.volcano.sh/model-name";

// Built-in translations. An entry's `command`, when set, replaces the program the translation runs (the kthena
// binary's subcommand, the host's nginx), so a node config can point a translation at another binary.
struct Kind {
  const char* name;
  std::optional<EngineFlavor> engine;  // set: runs on kthena engine-sim
};
constexpr Kind kKinds[] = {
    {"vllm", EngineFlavor::kVllm},
    {"sglang", EngineFlavor::kSglang},
    {"llm-d-inference-sim", EngineFlavor::kLlmdSim},
    {"sglang-inference-sim", EngineFlavor::kSglangSim},
    {"dynamo-mocker-vllm", EngineFlavor::kMockerVllm},
    {"dynamo-mocker-sglang", EngineFlavor::kMockerSglang},
    {"nginx", std::nullopt},
    {"redis", std::nullopt},
    {"python", std::nullopt},
    {"curl", std::nullopt},
    {"shell", std::nullopt},
    {"kthena-runtime", std::nullopt},
    {"kthena-downloader", std::nullopt},
    {"kthena-downloader-dry-run", std::nullopt},
};

const Kind* find_kind(std::string_view name) {
  for (const Kind& k : kKinds) {
    if (name == k.name) return &k;
  }
  return nullptr;
}

// argv[0] is looked up in the container's PATH, which need not hold /usr/sbin (nginx's home on Debian): the
// profile names host programs by absolute path when it can find them now.
std::string find_program(const std::string& name) {
  std::string dirs = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  if (const char* path = std::getenv("PATH")) dirs = std::string(path) + ":" + dirs;
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    if (end > start) {
      fs::path candidate = fs::path(dirs.substr(start, end - start)) / name;
      std::error_code ec;
      if (fs::is_regular_file(candidate, ec)) return candidate.string();
    }
    start = end + 1;
  }
  return name;
}

std::string join(const std::vector<std::string>& words, std::string_view sep = " ") {
  std::string out;
  for (const std::string& w : words) {
    if (!out.empty()) out += sep;
    out += w;
  }
  return out;
}

std::vector<std::string> concat(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

std::string listen_address(const ContainerRun& c) {
  return c.shared_network && !c.pod_ip.empty() ? c.pod_ip : "0.0.0.0";
}

const std::string* find_value(const Env& env, std::string_view name) {
  for (const auto& [k, v] : env) {
    if (k == name) return &v;
  }
  return nullptr;
}

Error image_error(const std::string& image, std::string message) {
  return Error{ErrorCode::kNotFound, "image", fmt::format("{}: image {} {}", kImageErrorReason, image, message)};
}

// A multi-node engine's Ray worker (`multi-node-serving.sh worker --ray_address=...`, `ray start --address=...`):
// in simulation the leader's single engine-sim serves the whole model, so the worker has nothing to run.
bool is_ray_worker(const std::vector<std::string>& words) {
  for (size_t k = 0; k + 1 < words.size(); ++k) {
    if (words[k].ends_with("multi-node-serving.sh") && words[k + 1] == "worker") return true;
  }
  if (words.size() >= 2 && fs::path(words[0]).filename() == "ray" && words[1] == "start") {
    return std::none_of(words.begin(), words.end(), [](const std::string& w) { return w == "--head"; });
  }
  return false;
}

struct FoundEngine {
  std::optional<EngineInvocation> engine;
  bool ray_worker = false;
  std::vector<std::string> skipped;  // the script's other commands, not run in simulation
};

// The engine command of a container: its command line, or the command inside `sh -c SCRIPT`.
Result<FoundEngine> find_engine(const std::vector<std::string>& argv, const Env& env) {
  FoundEngine found;
  std::optional<std::string> script = shell_c_script(argv);
  if (!script) {
    found.engine = EngineInvocation::from_command(argv);
    found.ray_worker = !found.engine && is_ray_worker(argv);
    return found;
  }
  auto parsed = ShellScript::parse(*script, env);
  if (!parsed) return fail(ErrorCode::kInvalid, "has a shell command that does not parse: " + parsed.error().message);
  for (const ShellCommand& c : parsed->commands()) {
    if (c.words.empty()) continue;
    if (!found.engine) {
      if (auto e = EngineInvocation::from_command(c.words)) {
        found.engine = std::move(e);
        continue;
      }
    }
    if (is_ray_worker(c.words)) found.ray_worker = true;
    // `set -e` and the like change nothing a simulation could miss.
    if (c.words.front() != "set") found.skipped.push_back(join(c.words));
  }
  return found;
}

}  // namespace

std::vector<std::string> ImageCatalog::kinds() {
  std::vector<std::string> out;
  for (const Kind& k : kKinds) out.emplace_back(k.name);
  return out;
}

ImageCatalog ImageCatalog::simulation(fs::path kthena) {
  ImageCatalog c;
  c.kthena_ = kthena;
  const std::string k = kthena.string();
  const std::vector<std::string> sim{k, "engine-sim"};
  auto add = [&](std::string pattern, std::string kind, std::vector<std::string> command) {
    c.entries_.push_back(Entry{std::move(pattern), std::move(kind), std::move(command), {}});
  };
  // Engines, by the images upstream's examples and e2e tests use, and their usual registries.
  for (const char* p : {"vllm/*", "ghcr.io/volcano-sh/vllm-openai*", "ghcr.io/volcano-sh/kthena-engine*",
                        "lmcache/vllm-openai*", "openeuler/vllm-ascend*", "quay.io/ascend/vllm-ascend*", "rocm/vllm*",
                        "docker.io/vllm/*", "public.ecr.aws/q9t5s3a7/vllm-*"}) {
    add(p, "vllm", sim);
  }
  for (const char* p : {"lmsysorg/sglang*"}) add(p, "sglang", sim);
  add("ghcr.io/llm-d/llm-d-inference-sim*", "llm-d-inference-sim", sim);
  add("ghcr.io/faust-benchou/sglang-inference-sim*", "sglang-inference-sim", sim);
  add("ghcr.io/faust-benchou/dynamo-mocker-vllm*", "dynamo-mocker-vllm", sim);
  add("ghcr.io/faust-benchou/dynamo-mocker-sglang*", "dynamo-mocker-sglang", sim);
  // Kthena's own images (upstream's registry, and the converter's defaults).
  for (const char* p : {"kthena/runtime*", "ghcr.io/volcano-sh/runtime*", "ghcr.io/volcano-sh/kthena-runtime*"}) {
    add(p, "kthena-runtime", {k, "runtime"});
  }
  for (const char* p :
       {"kthena/downloader*", "ghcr.io/volcano-sh/downloader*", "ghcr.io/volcano-sh/kthena-downloader*"}) {
    add(p, "kthena-downloader-dry-run", {k, "downloader"});
  }
  // Tool images, on the host's programs.
  add("nginx", "nginx", {find_program("nginx")});
  add("nginxinc/nginx-unprivileged", "nginx", {find_program("nginx")});
  add("redis", "redis", {find_program("redis-server")});
  add("python", "python", {"python3"});
  add("curlimages/curl", "curl", {"curl"});
  for (const char* p : {"busybox", "alpine", "ubuntu", "debian"}) add(p, "shell", {});
  return c;
}

Result<ImageCatalog> ImageCatalog::from_config(const Json& images, ImageCatalog base) {
  if (!images.is_array()) return fail(ErrorCode::kInvalid, "expected a list", "images");
  std::vector<Entry> entries;
  for (size_t i = 0; i < images.size(); ++i) {
    const Json& item = images[i];
    const std::string at = fmt::format("images[{}]", i);
    if (!item.is_object()) return fail(ErrorCode::kInvalid, "expected an object", at);
    Entry e;
    if (!item.contains("image") || !item["image"].is_string() || item["image"].get<std::string>().empty()) {
      return fail(ErrorCode::kInvalid, "required: an image reference, or a prefix ending in '*'", at + ".image");
    }
    e.pattern = item["image"].get<std::string>();
    for (const auto& [key, value] : item.items()) {
      if (key != "image" && key != "command" && key != "env" && key != "kind") {
        return fail(ErrorCode::kInvalid, "unknown field (known: image, command, kind, env)", at + "." + key);
      }
    }
    if (item.contains("kind")) {
      if (!item["kind"].is_string() || !find_kind(item["kind"].get<std::string>())) {
        return fail(ErrorCode::kInvalid,
                    fmt::format("unknown kind {} (known: {})", item["kind"].dump(), join(kinds(), ", ")), at + ".kind");
      }
      e.kind = item["kind"].get<std::string>();
    }
    if (item.contains("command")) {
      const Json& command = item["command"];
      if (!command.is_array() || command.empty()) {
        return fail(ErrorCode::kInvalid, "expected a non-empty list of strings", at + ".command");
      }
      for (size_t k = 0; k < command.size(); ++k) {
        if (!command[k].is_string()) {
          return fail(ErrorCode::kInvalid, "expected a string", fmt::format("{}.command[{}]", at, k));
        }
        e.command.push_back(command[k].get<std::string>());
      }
    } else if (e.kind.empty()) {
      return fail(ErrorCode::kInvalid, "required (or a kind)", at + ".command");
    }
    if (item.contains("env")) {
      if (!item["env"].is_object()) return fail(ErrorCode::kInvalid, "expected an object of strings", at + ".env");
      for (const auto& [name, value] : item["env"].items()) {
        if (!value.is_string()) return fail(ErrorCode::kInvalid, "expected a string", at + ".env." + name);
        e.env.emplace_back(name, value.get<std::string>());
      }
    }
    // A built-in kind without a command runs the profile's program for it.
    if (e.command.empty()) {
      const std::string k = base.kthena_.string();
      const Kind* kind = find_kind(e.kind);
      if (kind->engine) {
        e.command = {k, "engine-sim"};
      } else if (e.kind == "kthena-runtime") {
        e.command = {k, "runtime"};
      } else if (e.kind.starts_with("kthena-downloader")) {
        e.command = {k, "downloader"};
      } else if (e.kind == "nginx") {
        e.command = {find_program("nginx")};
      } else if (e.kind == "redis") {
        e.command = {find_program("redis-server")};
      } else if (e.kind == "python") {
        e.command = {"python3"};
      } else if (e.kind == "curl") {
        e.command = {"curl"};
      }
    }
    entries.push_back(std::move(e));
  }
  entries.insert(entries.end(), std::make_move_iterator(base.entries_.begin()),
                 std::make_move_iterator(base.entries_.end()));
  base.entries_ = std::move(entries);
  return base;
}

namespace {

// The parts of resolve() for one kind: the entry's program, the container, and what the note starts with.
struct Translation {
  const std::vector<std::string>& program;
  const ContainerRun& c;
  std::string image;
};

std::vector<std::string> container_argv(const ContainerRun& c) {
  return concat(c.command, c.args);
}

Result<HostCommand> run_engine(const Translation& t, EngineFlavor flavor) {
  const ContainerRun& c = t.c;
  std::optional<EngineInvocation> engine;
  std::vector<std::string> skipped;
  if (c.command.empty()) {
    // The image's entrypoint with the container's args, unless the args spell the whole launcher (images
    // without an entrypoint, such as SGLang's, run their args as the command).
    engine = EngineInvocation::from_command(c.args);
    if (!engine) engine = EngineInvocation::from_entrypoint(flavor, c.args);
  } else {
    auto found = find_engine(container_argv(c), c.env);
    if (!found) return fail(image_error(t.image, found.error().message));
    if (!found->engine && found->ray_worker) {
      HostCommand idle;
      // A shell that ends on SIGTERM: `sleep` alone, as pid 1 of its namespace, would ignore it and hold the pod's
      // deletion for the whole grace period, where a Ray worker stops at once.
      idle.argv = {"sh", "-c", "trap 'exit 0' TERM INT; sleep infinity & wait"};
      idle.note = fmt::format(
          "image {} runs a Ray worker of a multi-node engine: in simulation the leader's kthena engine-sim serves "
          "the whole model, so this container only idles (sleep infinity)",
          t.image);
      return idle;
    }
    if (!found->engine) {
      return fail(image_error(
          t.image, fmt::format("is simulated by kthena engine-sim, but its command ({}) starts no engine (vllm "
                               "serve, python3 -m vllm.entrypoints.openai.api_server, python3 -m "
                               "sglang.launch_server, llm-d-inference-sim, python3 -m dynamo.mocker); map the image "
                               "to a host command in the node config's images",
                               join(container_argv(c)))));
    }
    engine = std::move(found->engine);
    skipped = std::move(found->skipped);
  }
  EngineInvocation& e = *engine;
  // The image decides the flavour where the command line cannot tell (same binary, other metrics and port).
  if (flavor == EngineFlavor::kSglangSim && e.flavor == EngineFlavor::kLlmdSim) e.flavor = flavor;
  if (flavor == EngineFlavor::kMockerSglang && e.flavor == EngineFlavor::kMockerVllm) e.flavor = flavor;
  if (e.flavor == EngineFlavor::kMockerVllm || e.flavor == EngineFlavor::kMockerSglang) {
    // The mocker images of upstream's e2e tests take the model from MODEL_NAME and serve on their container port.
    if (const std::string* name = find_value(c.env, "MODEL_NAME"); name && e.model.empty()) e.model = *name;
    if (!e.port && !c.ports.empty()) e.port = c.ports.front();
  }
  // Bind where the pod's address is: see ContainerRun::shared_network.
  if (c.shared_network && !c.pod_ip.empty() &&
      (e.host.empty() || e.host == "0.0.0.0" || e.host == "::" || e.host == "[::]" || e.host == "localhost" ||
       e.host == "127.0.0.1")) {
    e.host = c.pod_ip;
  }
  // A booster's ModelServer routes as the booster's name when no served name is configured, which vLLM would not
  // answer to (it serves the model's path): the simulation answers to both (docs/compatibility.md).
  std::string alias;
  if (e.served_names.empty()) {
    if (const std::string* booster = find_value(c.pod_labels, kModelNameLabel); booster && *booster != e.model) {
      alias = *booster;
      if (!e.model.empty()) e.served_names.push_back(e.model);
      e.served_names.push_back(alias);
    }
  }
  HostCommand out;
  out.argv = concat(t.program, e.simulator_args());
  out.engine_sim = true;
  const std::string served =
      e.served_names.empty() ? (e.model.empty() ? "the default model" : e.model) : join(e.served_names, ", ");
  out.note = fmt::format("image {} runs on kthena engine-sim ({}), port {}, serving {}", t.image, e.flavor_name(),
                         e.effective_port(), served);
  if (!alias.empty())
    out.note += fmt::format(" (\"{}\" added: the booster's name, which its ModelServer routes as)", alias);
  if (!skipped.empty()) {
    out.note += "; not run in simulation (dependency installs and setup are skipped): " + join(skipped, "; ");
  }
  if (!e.ignored.empty()) out.note += "; flags the simulator has no use for, ignored: " + join(e.ignored);
  return out;
}

HostCommand run_nginx(const Translation& t) {
  const ContainerRun& c = t.c;
  NginxSite site{c.scratch_dir, listen_address(c), c.ports.empty() ? 80 : c.ports.front()};
  HostCommand out;
  const fs::path conf = c.scratch_dir / "nginx.conf";
  out.files = {{conf, nginx_config(site)}, {c.scratch_dir / "html" / "index.html", nginx_index_html()}};
  out.argv = concat(t.program, {"-p", c.scratch_dir.string(), "-c", conf.string(), "-e", "stderr"});
  out.note = fmt::format("image {} runs on the host's nginx, serving its welcome page on {}:{}", t.image, site.address,
                         site.port);
  if (!c.command.empty() || !c.args.empty()) {
    out.note +=
        " (the container's command and args are replaced by a generated configuration: " + join(container_argv(c)) +
        ")";
  }
  return out;
}

HostCommand run_redis(const Translation& t) {
  const ContainerRun& c = t.c;
  const int port = c.ports.empty() ? 6379 : c.ports.front();
  HostCommand out;
  // No persistence and no protected mode: a throwaway server reachable by the pod's peers, as the image's is.
  out.argv = concat(t.program, {"--port", std::to_string(port), "--save", "", "--appendonly", "no", "--bind",
                                listen_address(c), "--protected-mode", "no", "--dir", c.scratch_dir.string()});
  // The image's entrypoint takes redis-server's options as args; later options override ours.
  if (c.command.empty()) out.argv = concat(out.argv, c.args);
  out.note = fmt::format("image {} runs on the host's redis-server, port {}, without persistence", t.image, port);
  return out;
}

// A tool image: the container's command on the host. Without a command the image's default runs: `entrypoint`
// with the args, or, for images without an entrypoint, the args themselves, or `fallback`.
HostCommand run_tool(const Translation& t, bool program_is_entrypoint, std::vector<std::string> fallback) {
  const ContainerRun& c = t.c;
  HostCommand out;
  if (!c.command.empty()) {
    out.argv = container_argv(c);
  } else if (program_is_entrypoint) {
    out.argv = concat(t.program, c.args);
  } else {
    out.argv = c.args.empty() ? std::move(fallback) : c.args;
  }
  if (t.program.size() == 1 && !out.argv.empty()) {
    // `python`, `python3.12`, `/usr/local/bin/python3` name the image's interpreter: the host's is the program.
    const std::string base = fs::path(out.argv[0]).filename().string();
    if (t.program[0] == "python3" && (base == "python" || base.starts_with("python3"))) out.argv[0] = "python3";
  }
  out.note = fmt::format(
      "image {} runs its command on the host ({}): what the image would add to the host's "
      "programs is not there",
      t.image, out.argv.empty() ? std::string("nothing") : out.argv[0]);
  return out;
}

HostCommand run_kthena(const Translation& t, const std::string& what, bool dry_run) {
  const ContainerRun& c = t.c;
  std::vector<std::string> args = c.args;
  // Upstream's images run `python app.py ARGS`; a command naming the script contributes its arguments.
  for (size_t k = 0; k < c.command.size(); ++k) {
    if (c.command[k].ends_with("app.py")) {
      args = concat(std::vector<std::string>(c.command.begin() + static_cast<std::ptrdiff_t>(k) + 1, c.command.end()),
                    c.args);
      break;
    }
  }
  if (c.shared_network && !c.pod_ip.empty()) {
    // The engine binds the pod IP when pods share the host's network (ContainerRun::shared_network).
    for (size_t k = 0; k + 1 < args.size(); ++k) {
      if (args[k] != "--engine-base-url" && args[k] != "-B") continue;
      for (const char* local : {"://localhost", "://127.0.0.1"}) {
        if (size_t at = args[k + 1].find(local); at != std::string::npos) {
          args[k + 1].replace(at + 3, std::string_view(local).size() - 3, c.pod_ip);
        }
      }
    }
  }
  HostCommand out;
  out.argv = concat(t.program, args);
  if (dry_run) out.argv.emplace_back("--dry-run");
  out.note = fmt::format("image {} runs on kthena {}", t.image, what);
  if (dry_run) {
    out.note +=
        " --dry-run: the simulation checks the source and downloads nothing (the engine simulator needs "
        "no weights)";
  }
  return out;
}

}  // namespace

Result<HostCommand> ImageCatalog::resolve(const ContainerRun& container) const {
  auto entry = std::find_if(entries_.begin(), entries_.end(),
                            [&](const Entry& e) { return image_matches(e.pattern, container.image); });
  if (entry == entries_.end()) {
    if (container.command.empty()) {
      return fail(image_error(container.image,
                              "has no host command in this node's catalogue, and the container sets no command; add "
                              "{image: \"" +
                                  container.image +
                                  "\", command: [...]} (or a kind, such as vllm) to the node config's images"));
    }
    HostCommand out;
    out.argv = container_argv(container);
    out.note =
        fmt::format("image {} is not in the catalogue: its command runs on the host as written", container.image);
    return out;
  }
  const Translation t{entry->command, container, container.image};
  Result<HostCommand> out;
  if (entry->kind.empty()) {
    out = HostCommand{concat(entry->command, container.args), {}, {}, "", false};
    out->note = fmt::format("image {} runs {} (node config)", container.image, join(entry->command));
  } else if (const Kind* kind = find_kind(entry->kind); kind && kind->engine) {
    out = run_engine(t, *kind->engine);
  } else if (entry->kind == "nginx") {
    out = run_nginx(t);
  } else if (entry->kind == "redis") {
    out = run_redis(t);
  } else if (entry->kind == "python") {
    out = run_tool(t, false, {"python3"});
  } else if (entry->kind == "curl") {
    out = run_tool(t, true, {});
  } else if (entry->kind == "shell") {
    out = run_tool(t, false, {"sh"});
  } else if (entry->kind == "kthena-runtime") {
    out = run_kthena(t, "runtime", false);
  } else {
    out = run_kthena(t, "downloader", entry->kind == "kthena-downloader-dry-run");
  }
  if (out) out->env.insert(out->env.end(), entry->env.begin(), entry->env.end());
  return out;
}

}  // namespace kthena::node
