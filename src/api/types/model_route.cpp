#include "api/types/model_route.h"

#include <limits>

namespace kthena::api {
namespace {

Result<StringMatch> decode_string_match(const Json& value, const FieldPath& path) {
  StringMatch out;
  if (value.is_null()) return out;
  if (auto ok = expect_object(value, path); !ok) return fail(ok.error());
  // Admission allows one field; should several be present, the first in this order decides (upstream's order).
  for (auto [key, kind] : {std::pair<std::string_view, StringMatch::Kind>{"exact", StringMatch::Kind::kExact},
                           {"prefix", StringMatch::Kind::kPrefix},
                           {"regex", StringMatch::Kind::kRegex}}) {
    auto v = read_string(value, key, path);
    if (!v) return fail(v.error());
    if (v->has_value()) {
      out.kind = kind;
      out.value = std::move(**v);
      return out;
    }
  }
  return out;
}

Result<ModelMatch> decode_model_match(const Json& value, const FieldPath& path) {
  ModelMatch out;
  if (auto ok = expect_object(value, path); !ok) return fail(ok.error());
  if (const Json* headers = member(value, "headers")) {
    FieldPath hp = path.child("headers");
    if (!headers->is_object()) return type_error(hp, *headers, "object");
    for (auto it = headers->begin(); it != headers->end(); ++it) {
      auto m = decode_string_match(it.value(), hp.key(it.key()));
      if (!m) return fail(m.error());
      out.headers.emplace_back(it.key(), std::move(*m));
    }
  }
  if (const Json* uri = member(value, "uri")) {
    auto m = decode_string_match(*uri, path.child("uri"));
    if (!m) return fail(m.error());
    out.uri = std::move(*m);
  }
  if (const Json* body = member(value, "body")) {
    FieldPath bp = path.child("body");
    if (auto ok = expect_object(*body, bp); !ok) return fail(ok.error());
    auto model = read_string(*body, "model", bp);
    if (!model) return fail(model.error());
    out.body_model = std::move(*model);
  }
  return out;
}

Result<std::optional<uint32_t>> read_uint32(const Json& object, std::string_view key, const FieldPath& path) {
  auto v = read_int(object, key, path);
  if (!v) return fail(v.error());
  if (!v->has_value()) return std::optional<uint32_t>();
  if (**v < 0 || **v > std::numeric_limits<uint32_t>::max()) {
    return fail(ErrorCode::kInvalid,
                "Invalid value: " + std::to_string(**v) + ": must be a non-negative 32-bit integer",
                path.child(key).str());
  }
  return std::optional<uint32_t>(static_cast<uint32_t>(**v));
}

Result<RouteRule> decode_rule(const Json& value, const FieldPath& path) {
  if (value.is_null()) return fail(ErrorCode::kInvalid, "Invalid value: null: rule must not be nil", path.str());
  if (auto ok = expect_object(value, path); !ok) return fail(ok.error());
  RouteRule out;
  auto name = read_string(value, "name", path);
  if (!name) return fail(name.error());
  out.name = name->value_or("");
  if (const Json* match = member(value, "modelMatch")) {
    auto m = decode_model_match(*match, path.child("modelMatch"));
    if (!m) return fail(m.error());
    out.model_match = std::move(*m);
  }
  FieldPath tp = path.child("targetModels");
  const Json* targets = member(value, "targetModels");
  if (targets == nullptr) return out;
  if (!targets->is_array()) return type_error(tp, *targets, "array");
  for (size_t i = 0; i < targets->size(); ++i) {
    const Json& t = (*targets)[i];
    FieldPath ip = tp.index(i);
    if (t.is_null()) return fail(ErrorCode::kInvalid, "Invalid value: null: target model must not be nil", ip.str());
    if (auto ok = expect_object(t, ip, false); !ok) return fail(ok.error());
    TargetModel target;
    auto ms = read_string(t, "modelServerName", ip);
    if (!ms) return fail(ms.error());
    target.model_server_name = ms->value_or("");
    auto emp = read_string(t, "externalModelProviderName", ip);
    if (!emp) return fail(emp.error());
    target.external_model_provider_name = emp->value_or("");
    auto weight = read_uint32(t, "weight", ip);
    if (!weight) return fail(weight.error());
    target.weight = *weight;
    out.target_models.push_back(std::move(target));
  }
  return out;
}

Result<ParentReference> decode_parent_ref(const Json& value, const FieldPath& path) {
  if (auto ok = expect_object(value, path, false); !ok) return fail(ok.error());
  ParentReference out;
  auto group = read_string(value, "group", path);
  if (!group) return fail(group.error());
  out.group = std::move(*group);
  auto kind = read_string(value, "kind", path);
  if (!kind) return fail(kind.error());
  out.kind = std::move(*kind);
  for (auto [key, target] : {std::pair<std::string_view, std::string*>{"name", &out.name},
                             {"namespace", &out.namespace_name},
                             {"sectionName", &out.section_name}}) {
    auto v = read_string(value, key, path);
    if (!v) return fail(v.error());
    *target = v->value_or("");
  }
  auto port = read_int(value, "port", path);
  if (!port) return fail(port.error());
  if (port->has_value()) out.port = static_cast<int32_t>(**port);
  return out;
}

Result<RateLimit> decode_rate_limit(const Json& value, const FieldPath& path) {
  if (auto ok = expect_object(value, path, false); !ok) return fail(ok.error());
  RateLimit out;
  auto in = read_uint32(value, "inputTokensPerUnit", path);
  if (!in) return fail(in.error());
  out.input_tokens_per_unit = *in;
  auto outp = read_uint32(value, "outputTokensPerUnit", path);
  if (!outp) return fail(outp.error());
  out.output_tokens_per_unit = *outp;
  auto unit = read_string(value, "unit", path);
  if (!unit) return fail(unit.error());
  out.unit = unit->value_or("second");
  if (const Json* global = member(value, "global")) {
    FieldPath gp = path.child("global");
    if (auto ok = expect_object(*global, gp); !ok) return fail(ok.error());
    if (const Json* redis = member(*global, "redis")) {
      auto address = read_string(*redis, "address", gp.child("redis"));
      if (!address) return fail(address.error());
      out.global_redis_address = address->value_or("");
    }
  }
  return out;
}

}  // namespace

Result<ModelRoute> decode_model_route(const Json& object) {
  ModelRoute out;
  auto meta = decode_object_meta(object);
  if (!meta) return fail(meta.error());
  out.metadata = std::move(*meta);
  FieldPath sp("spec");
  const Json* spec = member(object, "spec");
  if (spec == nullptr) return fail(ErrorCode::kInvalid, "Required value", "spec");
  if (auto ok = expect_object(*spec, sp, false); !ok) return fail(ok.error());
  out.spec_json = *spec;
  auto model_name = read_string(*spec, "modelName", sp);
  if (!model_name) return fail(model_name.error());
  out.spec.model_name = model_name->value_or("");
  if (const Json* loras = member(*spec, "loraAdapters")) {
    FieldPath lp = sp.child("loraAdapters");
    if (!loras->is_array()) return type_error(lp, *loras, "array");
    for (size_t i = 0; i < loras->size(); ++i) {
      if (!(*loras)[i].is_string()) return type_error(lp.index(i), (*loras)[i], "string");
      out.spec.lora_adapters.push_back((*loras)[i].get<std::string>());
    }
  }
  if (const Json* refs = member(*spec, "parentRefs")) {
    FieldPath pp = sp.child("parentRefs");
    if (!refs->is_array()) return type_error(pp, *refs, "array");
    for (size_t i = 0; i < refs->size(); ++i) {
      auto ref = decode_parent_ref((*refs)[i], pp.index(i));
      if (!ref) return fail(ref.error());
      out.spec.parent_refs.push_back(std::move(*ref));
    }
  }
  if (const Json* rules = member(*spec, "rules")) {
    FieldPath rp = sp.child("rules");
    if (!rules->is_array()) return type_error(rp, *rules, "array");
    for (size_t i = 0; i < rules->size(); ++i) {
      auto rule = decode_rule((*rules)[i], rp.index(i));
      if (!rule) return fail(rule.error());
      out.spec.rules.push_back(std::move(*rule));
    }
  }
  if (const Json* rate = member(*spec, "rateLimit")) {
    auto rl = decode_rate_limit(*rate, sp.child("rateLimit"));
    if (!rl) return fail(rl.error());
    out.spec.rate_limit = std::move(*rl);
  }
  return out;
}

}  // namespace kthena::api
