#include "controllers/modelserving/plugins.h"

#include <fmt/format.h>
#include <openssl/evp.h>

#include <algorithm>
#include <charconv>
#include <vector>

#include "api/field_error.h"
#include "api/json_fields.h"
#include "common/assert.h"

namespace kthena::controllers::modelserving {

using api::lenient::member;
using api::lenient::str;
namespace {

std::string string_or_empty(const Json& value) {
  return value.is_string() ? value.get<std::string>() : std::string();
}

Result<void> check_string(const Json& value, const std::string& field) {
  if (value.is_null() || value.is_string()) return {};
  return fail(ErrorCode::kInvalid, fmt::format("must be a string, not {}", value.type_name()), field);
}

// demo-pod-tweaks: a runtime class, annotations and extra env on every container, from its config
// {runtimeClassName, annotations, env}.
class DemoPodTweaks final : public PodPlugin {
 public:
  static Result<std::unique_ptr<PodPlugin>> create(const Json& config, const std::string& field) {
    auto plugin = std::make_unique<DemoPodTweaks>();
    if (config.is_null()) return plugin;
    if (!config.is_object()) {
      return fail(ErrorCode::kInvalid, fmt::format("must be an object, not {}", config.type_name()), field);
    }
    const Json& runtime_class = member(config, "runtimeClassName");
    if (auto ok = check_string(runtime_class, field + ".runtimeClassName"); !ok) return fail(ok.error());
    plugin->runtime_class_name_ = string_or_empty(runtime_class);

    const Json& annotations = member(config, "annotations");
    if (!annotations.is_null()) {
      if (!annotations.is_object()) {
        return fail(ErrorCode::kInvalid, fmt::format("must be an object, not {}", annotations.type_name()),
                    field + ".annotations");
      }
      for (const auto& [key, value] : annotations.items()) {
        if (auto ok = check_string(value, field + ".annotations[" + key + "]"); !ok) return fail(ok.error());
        if (value.is_string()) plugin->annotations_.emplace_back(key, value.get<std::string>());
      }
    }

    const Json& env = member(config, "env");
    if (!env.is_null()) {
      if (!env.is_array()) {
        return fail(ErrorCode::kInvalid, fmt::format("must be a list, not {}", env.type_name()), field + ".env");
      }
      for (size_t i = 0; i < env.size(); ++i) {
        // The shape of a core/v1 EnvVar as Go's decoder checks it; the API server validates the pod later.
        std::string at = fmt::format("{}.env[{}]", field, i);
        if (!env[i].is_object()) {
          return fail(ErrorCode::kInvalid, fmt::format("must be an object, not {}", env[i].type_name()), at);
        }
        for (const char* key : {"name", "value"}) {
          if (auto ok = check_string(member(env[i], key), at + "." + key); !ok) return fail(ok.error());
        }
        const Json& value_from = member(env[i], "valueFrom");
        if (!value_from.is_null() && !value_from.is_object()) {
          return fail(ErrorCode::kInvalid, fmt::format("must be an object, not {}", value_from.type_name()),
                      at + ".valueFrom");
        }
      }
      plugin->env_ = env;
    }
    return plugin;
  }

  // PodPlugin
  Result<void> on_pod_create(const PodContext&, Json& pod) const override {
    if (!pod.is_object()) return {};
    if (!runtime_class_name_.empty()) {
      Json& spec = pod["spec"];
      if (!spec.is_object()) spec = Json::object();
      spec["runtimeClassName"] = runtime_class_name_;
    }
    if (!annotations_.empty()) {
      Json& metadata = pod["metadata"];
      if (!metadata.is_object()) metadata = Json::object();
      Json& annotations = metadata["annotations"];
      if (!annotations.is_object()) annotations = Json::object();
      for (const auto& [key, value] : annotations_) annotations[key] = value;
    }
    auto spec = pod.find("spec");
    if (!env_.empty() && spec != pod.end() && spec->is_object()) {
      for (const char* list : {"containers", "initContainers"}) {
        auto containers = spec->find(list);
        if (containers == spec->end() || !containers->is_array()) continue;
        for (Json& container : *containers) {
          if (!container.is_object()) continue;
          Json& container_env = container["env"];
          if (!container_env.is_array()) container_env = Json::array();
          for (const Json& var : env_) container_env.push_back(var);
        }
      }
    }
    return {};
  }
  Result<void> on_pod_ready(const PodContext&, const Json&) const override { return {}; }

 private:
  std::string runtime_class_name_;
  std::vector<std::pair<std::string, std::string>> annotations_;
  Json env_ = Json::array();
};

// lws-standard-labels: the labels LeaderWorkerSet puts on its pods, for a ModelServing that the LWS bridge keeps for
// a LeaderWorkerSet (tools that select LWS pods keep working).
class LwsStandardLabels final : public PodPlugin {
 public:
  static Result<std::unique_ptr<PodPlugin>> create(const Json&, const std::string&) {
    return std::make_unique<LwsStandardLabels>();
  }

  // PodPlugin
  Result<void> on_pod_create(const PodContext& ctx, Json& pod) const override {
    if (ctx.ms == nullptr || !pod.is_object()) return {};
    std::string lws = owning_lws(*ctx.ms);
    if (lws.empty()) return {};
    std::string pod_name = string_or_empty(member(member(pod, "metadata"), "name"));
    if (ctx.group_ordinal < 0) {
      return fail(ErrorCode::kInvalid,
                  fmt::format("invalid servingGroup {} for pod {}", go_quote(ctx.group_name), pod_name));
    }
    auto worker_index = derive_worker_index(ctx.is_entry, pod_name);
    if (!worker_index) return fail(worker_index.error());

    Json& metadata = pod["metadata"];
    if (!metadata.is_object()) metadata = Json::object();
    Json& labels = metadata["labels"];
    if (!labels.is_object()) labels = Json::object();
    labels["leaderworkerset.sigs.k8s.io/name"] = lws;
    labels["leaderworkerset.sigs.k8s.io/group-index"] = std::to_string(ctx.group_ordinal);
    labels["leaderworkerset.sigs.k8s.io/worker-index"] = std::to_string(*worker_index);
    labels["leaderworkerset.sigs.k8s.io/group-key"] = sha1_hex(fmt::format("{}-{}", lws, ctx.group_ordinal));
    return {};
  }
  Result<void> on_pod_ready(const PodContext&, const Json&) const override { return {}; }

 private:
  static std::string owning_lws(const Json& ms) {
    const Json& owners = member(member(ms, "metadata"), "ownerReferences");
    if (!owners.is_array()) return {};
    for (const Json& owner : owners) {
      std::string name = string_or_empty(member(owner, "name"));
      if (string_or_empty(member(owner, "kind")) == "LeaderWorkerSet" && !name.empty()) return name;
    }
    return {};
  }

  // 0 on the entry pod, else the pod name's numeric suffix ("<ms>-<g>-<role>-<r>-<i>").
  static Result<int> derive_worker_index(bool is_entry, const std::string& pod_name) {
    if (is_entry) return 0;
    size_t dash = pod_name.rfind('-');
    if (dash == std::string::npos || dash + 1 == pod_name.size()) {
      return fail(ErrorCode::kInvalid, fmt::format("cannot derive worker-index from pod name {}", go_quote(pod_name)));
    }
    std::string_view suffix = std::string_view(pod_name).substr(dash + 1);
    if (suffix.starts_with('+')) suffix.remove_prefix(1);  // strconv.Atoi takes a sign
    int index = 0;
    auto [end, ec] = std::from_chars(suffix.data(), suffix.data() + suffix.size(), index);
    if (ec != std::errc() || end != suffix.data() + suffix.size() || suffix.empty()) {
      return fail(ErrorCode::kInvalid, fmt::format("cannot derive worker-index from pod name {}", go_quote(pod_name)));
    }
    if (index < 0) {
      return fail(ErrorCode::kInvalid,
                  fmt::format("invalid worker-index {} derived from pod name {}", index, go_quote(pod_name)));
    }
    return index;
  }

  // LWS's Sha1Hash: the hex SHA-1 of the text.
  static std::string sha1_hex(std::string_view text) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    const int ok = EVP_Digest(text.data(), text.size(), digest, &size, EVP_sha1(), nullptr);
    KTHENA_ASSERT(ok == 1 && size == 20, "OpenSSL's default provider always has SHA-1");
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    for (unsigned int i = 0; i < size; ++i) {
      out.push_back(kHex[digest[i] >> 4]);
      out.push_back(kHex[digest[i] & 0xf]);
    }
    return out;
  }
};

constexpr BuiltInPlugin kBuiltIns[] = {
    {"demo-pod-tweaks", &DemoPodTweaks::create},
    {"lws-standard-labels", &LwsStandardLabels::create},
};

struct ChainEntry {
  std::string name;
  const Json* scope;
  std::unique_ptr<PodPlugin> plugin;
};

Result<std::vector<ChainEntry>> build_chain(const Json* ms) {
  std::vector<ChainEntry> chain;
  if (ms == nullptr) return chain;
  const Json& specs = member(member(*ms, "spec"), "plugins");
  if (!specs.is_array()) return chain;
  for (size_t i = 0; i < specs.size(); ++i) {
    const Json& spec = specs[i];
    std::string at = fmt::format("spec.plugins[{}]", i);
    std::string name = string_or_empty(member(spec, "name"));
    // The CRD defaults type to BuiltIn; an object built in code may leave it out.
    const Json& type = member(spec, "type");
    std::string type_name = type.is_null() ? "BuiltIn" : string_or_empty(type);
    if (type_name != "BuiltIn") {
      return fail(ErrorCode::kInvalid, fmt::format("plugin {} has unsupported type {}", name, type_name), at + ".type");
    }
    const BuiltInPlugin* builtin = nullptr;
    for (const BuiltInPlugin& candidate : kBuiltIns) {
      if (candidate.name == name) builtin = &candidate;
    }
    if (builtin == nullptr) {
      return fail(ErrorCode::kInvalid, fmt::format("plugin {} not registered", name), at + ".name");
    }
    auto plugin = builtin->create(member(spec, "config"), at + ".config");
    if (!plugin) {
      Error error = plugin.error();
      error.message = fmt::format("build plugin {}: {}", name, error.message);
      return fail(std::move(error));
    }
    chain.push_back(ChainEntry{name, &member(spec, "scope"), std::move(*plugin)});
  }
  return chain;
}

bool lists_role(const Json& roles, const std::string& role) {
  return std::any_of(roles.begin(), roles.end(),
                     [&](const Json& r) { return r.is_string() && r.get_ref<const std::string&>() == role; });
}

// Upstream's shouldRun.
bool in_scope(const Json& scope, const PodContext& ctx) {
  if (!scope.is_object()) return true;
  const Json& roles = member(scope, "roles");
  if (roles.is_array() && !roles.empty() && !lists_role(roles, ctx.role_name)) return false;
  std::string target = string_or_empty(member(scope, "target"));
  if (target.empty() || target == "All") return true;
  return target == (ctx.is_entry ? "Entry" : "Worker");
}

template <class Hook>
Result<void> run(const PodContext& ctx, std::string_view hook_name, Hook&& hook) {
  auto chain = build_chain(ctx.ms);
  if (!chain) return fail(chain.error());
  for (const ChainEntry& entry : *chain) {
    if (!in_scope(*entry.scope, ctx)) continue;
    if (auto ok = hook(*entry.plugin); !ok) {
      Error error = ok.error();
      error.message = fmt::format("plugin {} {}: {}", entry.name, hook_name, error.message);
      return fail(std::move(error));
    }
  }
  return {};
}

}  // namespace

std::span<const BuiltInPlugin> builtin_plugins() {
  return kBuiltIns;
}

Result<void> run_on_pod_create(const PodContext& ctx, Json& pod) {
  return run(ctx, "OnPodCreate", [&](const PodPlugin& plugin) { return plugin.on_pod_create(ctx, pod); });
}

Result<void> run_on_pod_ready(const PodContext& ctx, const Json& pod) {
  return run(ctx, "OnPodReady", [&](const PodPlugin& plugin) { return plugin.on_pod_ready(ctx, pod); });
}

}  // namespace kthena::controllers::modelserving
