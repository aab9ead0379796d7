#include "node/pod_env.h"

#include "api/json_fields.h"

#include <fmt/format.h>

#include "api/values/quantity.h"

namespace kthena::node {

using api::lenient::str;
namespace {

// metadata.labels['app'] -> ("labels", "app").
std::optional<std::pair<std::string, std::string>> subscript(const std::string& path) {
  for (const char* prefix : {"metadata.labels['", "metadata.annotations['"}) {
    std::string p = prefix;
    if (path.starts_with(p) && path.ends_with("']")) {
      std::string map = p.find("labels") != std::string::npos ? "labels" : "annotations";
      return std::make_pair(map, path.substr(p.size(), path.size() - p.size() - 2));
    }
  }
  return std::nullopt;
}

Result<std::string> field_ref(const Json& pod, const std::string& path, const std::string& pod_ip,
                              const std::string& host_ip) {
  const Json& meta = pod["metadata"];
  const Json& spec = pod.value("spec", Json::object());
  if (path == "metadata.name") return str(meta, "name");
  if (path == "metadata.namespace") return str(meta, "namespace");
  if (path == "metadata.uid") return str(meta, "uid");
  if (path == "spec.nodeName") return str(spec, "nodeName");
  if (path == "spec.serviceAccountName") return str(spec, "serviceAccountName");
  if (path == "status.podIP" || path == "status.podIPs") return pod_ip;
  if (path == "status.hostIP" || path == "status.hostIPs") return host_ip;
  if (auto sub = subscript(path)) {
    const Json& map = meta.value(sub->first, Json::object());
    return str(map, sub->second.c_str());
  }
  if (path == "metadata.labels" || path == "metadata.annotations") {
    // The downward API renders a map as key="value" lines.
    std::string out;
    const Json map = meta.value(path.substr(9), Json::object());
    for (const auto& [k, v] : map.items()) {
      out += fmt::format("{}=\"{}\"\n", k, v.is_string() ? v.get<std::string>() : v.dump());
    }
    return out;
  }
  return fail(ErrorCode::kInvalid, fmt::format("unsupported fieldRef {:?}", path));
}

// limits.cpu / requests.memory / limits.ephemeral-storage ..., divided by the divisor (default 1), rounded up.
Result<std::string> resource_field_ref(const Json& container, const Json& ref) {
  std::string resource = str(ref, "resource");
  auto dot = resource.find('.');
  if (dot == std::string::npos) return fail(ErrorCode::kInvalid, fmt::format("unsupported resource {:?}", resource));
  std::string section = resource.substr(0, dot), name = resource.substr(dot + 1);
  const Json& resources = container.value("resources", Json::object());
  Json value = resources.value(section, Json::object()).value(name, Json());
  if (value.is_null() && section == "requests") value = resources.value("limits", Json::object()).value(name, Json());
  api::Quantity amount;
  if (!value.is_null()) {
    auto q = api::Quantity::from_json(value);
    if (!q) return fail(q.error());
    amount = *q;
  }
  api::Quantity divisor = api::Quantity::from_int64(1);
  if (ref.contains("divisor")) {
    auto d = api::Quantity::from_json(ref["divisor"]);
    if (!d || d->is_zero()) return fail(ErrorCode::kInvalid, "divisor must be a positive quantity");
    divisor = *d;
  }
  int64_t milli = amount.milli_value(), per = divisor.milli_value();
  if (per <= 0) return fail(ErrorCode::kInvalid, "divisor must be at least 1m");
  return std::to_string((milli + per - 1) / per);
}

Result<std::optional<std::string>> key_ref(const Json& ref, const char* kind, const ObjectLookup& lookup) {
  std::string name = str(ref, "name"), key = str(ref, "key");
  bool optional = ref.value("optional", false);
  auto object = lookup(kind, name);
  std::string what = std::string(kind) == "secrets" ? "secret" : "configmap";
  if (!object) {
    if (optional) return std::optional<std::string>();
    return fail(ErrorCode::kNotFound, fmt::format("{} {:?} not found", what, name));
  }
  const Json& data = object->value("data", Json::object());
  if (!data.contains(key) || !data[key].is_string()) {
    if (optional) return std::optional<std::string>();
    return fail(ErrorCode::kNotFound, fmt::format("couldn't find key {} in {} {}", key, what, name));
  }
  return std::optional<std::string>(data[key].get<std::string>());
}

}  // namespace

std::string expand(const std::string& text, const std::function<std::optional<std::string>(const std::string&)>& get) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '$' || i + 1 >= text.size()) {
      out += text[i];
      continue;
    }
    char next = text[i + 1];
    if (next == '$') {  // $$ is an escaped $
      out += '$';
      ++i;
    } else if (next == '(') {
      size_t close = text.find(')', i + 2);
      if (close == std::string::npos) {
        out += text.substr(i);  // unterminated: left as written
        break;
      }
      std::string name = text.substr(i + 2, close - i - 2);
      auto value = get(name);
      out += value ? *value : text.substr(i, close - i + 1);
      i = close;
    } else {
      out += '$';  // a $ before anything else stays
    }
  }
  return out;
}

Result<EnvList> container_env(const Json& pod, const Json& container, const std::string& pod_ip,
                              const std::string& host_ip, const ObjectLookup& lookup) {
  EnvList env;
  auto set = [&](const std::string& name, std::string value) {
    for (auto& [k, v] : env) {
      if (k == name) {
        v = std::move(value);
        return;
      }
    }
    env.emplace_back(name, std::move(value));
  };
  auto get = [&](const std::string& name) -> std::optional<std::string> {
    for (const auto& [k, v] : env) {
      if (k == name) return v;
    }
    return std::nullopt;
  };
  const Json& env_from = container.value("envFrom", Json::array());
  for (size_t i = 0; i < env_from.size(); ++i) {
    const Json& source = env_from[i];
    std::string prefix = str(source, "prefix");
    for (const char* kind : {"configMapRef", "secretRef"}) {
      if (!source.contains(kind)) continue;
      const Json& ref = source[kind];
      std::string plural = std::string(kind) == "secretRef" ? "secrets" : "configmaps";
      auto object = lookup(plural, str(ref, "name"));
      if (!object) {
        if (ref.value("optional", false)) continue;
        return fail(ErrorCode::kNotFound,
                    fmt::format("{} {:?} not found", plural == "secrets" ? "secret" : "configmap", str(ref, "name")),
                    fmt::format("envFrom[{}].{}", i, kind));
      }
      const Json data = object->value("data", Json::object());
      for (const auto& [k, v] : data.items()) {
        if (v.is_string()) set(prefix + k, v.get<std::string>());
      }
    }
  }
  const Json& vars = container.value("env", Json::array());
  for (size_t i = 0; i < vars.size(); ++i) {
    const Json& var = vars[i];
    std::string name = str(var, "name");
    if (!var.contains("valueFrom")) {
      set(name, expand(str(var, "value"), get));
      continue;
    }
    const Json& from = var["valueFrom"];
    std::string field = fmt::format("env[{}].valueFrom", i);
    if (from.contains("fieldRef")) {
      auto value = field_ref(pod, str(from["fieldRef"], "fieldPath"), pod_ip, host_ip);
      if (!value) return fail(value.error().code, value.error().message, field + ".fieldRef");
      set(name, *value);
    } else if (from.contains("resourceFieldRef")) {
      const Json& ref = from["resourceFieldRef"];
      const Json* target = &container;
      std::string other = str(ref, "containerName");
      if (!other.empty()) {
        for (const Json& c : pod["spec"].value("containers", Json::array())) {
          if (str(c, "name") == other) target = &c;
        }
      }
      auto value = resource_field_ref(*target, ref);
      if (!value) return fail(value.error().code, value.error().message, field + ".resourceFieldRef");
      set(name, *value);
    } else if (from.contains("configMapKeyRef") || from.contains("secretKeyRef")) {
      bool secret = from.contains("secretKeyRef");
      auto value =
          key_ref(from[secret ? "secretKeyRef" : "configMapKeyRef"], secret ? "secrets" : "configmaps", lookup);
      if (!value) {
        return fail(value.error().code, value.error().message, field + (secret ? ".secretKeyRef" : ".configMapKeyRef"));
      }
      if (*value) set(name, **value);
    }
  }
  return env;
}

std::vector<std::string> expand_all(const Json& list, const EnvList& env) {
  std::vector<std::string> out;
  if (!list.is_array()) return out;
  auto get = [&](const std::string& name) -> std::optional<std::string> {
    for (const auto& [k, v] : env) {
      if (k == name) return v;
    }
    return std::nullopt;
  };
  for (const Json& item : list) out.push_back(expand(item.is_string() ? item.get<std::string>() : item.dump(), get));
  return out;
}

}  // namespace kthena::node
