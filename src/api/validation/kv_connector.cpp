#include "api/validation/kv_connector.h"

#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "api/field_error.h"
#include "api/validation/go_json.h"
#include "api/validation/json_view.h"

namespace kthena::api {
namespace {

using validation::member;
using validation::string_or;

struct ConnectorName {
  std::string_view vllm;  // kv_connector in vLLM's kv-transfer-config
  std::string_view type;  // networking KVConnectorType
};

// Sorted by vLLM name: the error for an unknown connector lists them in this order.
constexpr ConnectorName kConnectors[] = {
    {"LMCacheConnectorV1", "lmcache"},
    {"MooncakeConnector", "mooncake"},
    {"MooncakeConnectorV1", "mooncake"},
    {"NixlConnector", "nixl"},
};

struct WorkerConnector {
  std::string name;  // as written
  std::string type;
};

std::string err(std::string_view type, std::string_view what) {
  return fmt::format("worker {}: {}", type, what);
}

// One worker's connector, nullopt when it configures none.
Result<std::optional<WorkerConnector>> parse_worker(const Json& worker) {
  std::string type = string_or(member(worker, "type"));
  const Json* config = member(worker, "config");
  if (config == nullptr) return std::nullopt;
  auto object = validation::go_as_object(*config);
  if (!object) {
    return fail(ErrorCode::kInvalid,
                err(type, "invalid config: failed to unmarshal config: " + object.error().message));
  }
  auto it = object->find("kv-transfer-config");
  if (it == object->end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) {
    return fail(ErrorCode::kInvalid,
                err(type, "kv-transfer-config must be a JSON string, got " + validation::go_type_name(*it)));
  }
  auto transfer = validation::go_unmarshal_object(it->get_ref<const std::string&>());
  if (!transfer) {
    return fail(ErrorCode::kInvalid,
                err(type, "invalid kv-transfer-config: failed to unmarshal config: " + transfer.error().message));
  }
  const Json* connector = member(*transfer, "kv_connector");
  std::string name = string_or(connector);
  if (name.empty())
    return fail(ErrorCode::kInvalid, err(type, "kv-transfer-config is set but kv_connector is missing"));
  const ConnectorName* known = nullptr;
  for (const ConnectorName& c : kConnectors) {
    if (c.vllm == name) known = &c;
  }
  if (known == nullptr) {
    std::string supported;
    for (const ConnectorName& c : kConnectors) {
      if (!supported.empty()) supported += ", ";
      supported += c.vllm;
    }
    return fail(ErrorCode::kInvalid,
                err(type, fmt::format("unsupported kv_connector {} (supported: {})", go_quote(name), supported)));
  }
  std::string role = string_or(member(*transfer, "kv_role"));
  if (role.empty()) return fail(ErrorCode::kInvalid, err(type, "kv-transfer-config is set but kv_role is missing"));
  std::vector<std::string_view> allowed;
  if (type == "prefill") allowed = {"kv_producer", "kv_both"};
  if (type == "decode") allowed = {"kv_consumer", "kv_both"};
  bool ok = false;
  for (std::string_view a : allowed) ok = ok || a == role;
  if (!ok) {
    return fail(ErrorCode::kInvalid, err(type, fmt::format("invalid kv_role {}, expected one of [{}]", go_quote(role),
                                                           fmt::join(allowed, ", "))));
  }
  return WorkerConnector{name, std::string(known->type)};
}

}  // namespace

Result<std::optional<std::string>> kv_connector_type(const Json& backend) {
  std::string backend_name = string_or(member(backend, "name"));
  const Json* prefill = nullptr;
  const Json* decode = nullptr;
  int prefills = 0;
  int decodes = 0;
  if (const Json* workers = member(backend, "workers"); workers != nullptr && workers->is_array()) {
    for (const Json& w : *workers) {
      std::string type = string_or(member(w, "type"));
      if (type == "prefill") {
        ++prefills;
        prefill = &w;
      } else if (type == "decode") {
        ++decodes;
        decode = &w;
      }
    }
  }
  for (auto [count, kind] : {std::pair{prefills, "prefill"}, std::pair{decodes, "decode"}}) {
    if (count > 1) {
      return fail(ErrorCode::kInvalid,
                  fmt::format("backend {}: found {} {} workers, expected at most 1; duplicate {} workers are not "
                              "supported",
                              backend_name, count, kind, kind));
    }
  }
  std::optional<WorkerConnector> p;
  std::optional<WorkerConnector> d;
  if (prefill != nullptr) {
    auto r = parse_worker(*prefill);
    if (!r) return fail(r.error());
    p = std::move(*r);
  }
  if (decode != nullptr) {
    auto r = parse_worker(*decode);
    if (!r) return fail(r.error());
    d = std::move(*r);
  }
  if (!p && !d) return std::nullopt;
  if (!p || !d) {
    const WorkerConnector& set = p ? *p : *d;
    std::string_view has = p ? "prefill" : "decode";
    std::string_view lacks = p ? "decode" : "prefill";
    return fail(ErrorCode::kInvalid,
                fmt::format("backend {}: {} worker specifies kv_connector {} but the {} worker has no "
                            "kv-transfer-config; prefill and decode must configure the same kv connector",
                            backend_name, has, go_quote(set.name), lacks));
  }
  if (p->type != d->type) {
    return fail(ErrorCode::kInvalid,
                fmt::format("backend {}: kv_connector mismatch between prefill ({}) and decode ({}) workers; prefill "
                            "and decode must use the same kv connector",
                            backend_name, go_quote(p->name), go_quote(d->name)));
  }
  return p->type;
}

}  // namespace kthena::api
