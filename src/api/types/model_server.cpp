#include "api/types/model_server.h"

#include "api/types/go_duration.h"

namespace kthena::api {
namespace {

Result<std::optional<std::chrono::nanoseconds>> read_duration(const Json& object, std::string_view key,
                                                              const FieldPath& path) {
  auto text = read_string(object, key, path);
  if (!text) return fail(text.error());
  if (!text->has_value()) return std::optional<std::chrono::nanoseconds>();
  auto d = parse_go_duration(**text);
  if (!d) {
    return fail(ErrorCode::kInvalid, "Invalid value: " + go_quote(**text) + ": " + d.error().message,
                path.child(key).str());
  }
  return std::optional<std::chrono::nanoseconds>(*d);
}

Result<PdGroup> decode_pd_group(const Json& value, const FieldPath& path) {
  if (auto ok = expect_object(value, path, false); !ok) return fail(ok.error());
  PdGroup out;
  auto key = read_string(value, "groupKey", path);
  if (!key) return fail(key.error());
  out.group_key = key->value_or("");
  auto prefill = read_string_map(value, "prefillLabels", path);
  if (!prefill) return fail(prefill.error());
  out.prefill_labels = std::move(*prefill);
  auto decode = read_string_map(value, "decodeLabels", path);
  if (!decode) return fail(decode.error());
  out.decode_labels = std::move(*decode);
  return out;
}

Result<TrafficPolicy> decode_traffic_policy(const Json& value, const FieldPath& path) {
  if (auto ok = expect_object(value, path, false); !ok) return fail(ok.error());
  TrafficPolicy out;
  auto timeout = read_duration(value, "timeout", path);
  if (!timeout) return fail(timeout.error());
  out.timeout = *timeout;
  if (const Json* retry = member(value, "retry")) {
    FieldPath rp = path.child("retry");
    if (auto ok = expect_object(*retry, rp, false); !ok) return fail(ok.error());
    RetryPolicy policy;
    auto attempts = read_int(*retry, "attempts", rp);
    if (!attempts) return fail(attempts.error());
    if (attempts->has_value()) policy.attempts = static_cast<int32_t>(**attempts);
    auto interval = read_duration(*retry, "retryInterval", rp);
    if (!interval) return fail(interval.error());
    if (interval->has_value()) policy.retry_interval = **interval;
    out.retry = policy;
  }
  return out;
}

}  // namespace

std::string_view to_string(InferenceEngine engine) {
  return engine == InferenceEngine::kSglang ? "SGLang" : "vLLM";
}

std::string_view to_string(KvConnectorType type) {
  switch (type) {
    case KvConnectorType::kHttp:
      return "http";
    case KvConnectorType::kLmcache:
      return "lmcache";
    case KvConnectorType::kNixl:
      return "nixl";
    case KvConnectorType::kMooncake:
      return "mooncake";
  }
  return "http";
}

Result<ModelServer> decode_model_server(const Json& object) {
  ModelServer out;
  auto meta = decode_object_meta(object);
  if (!meta) return fail(meta.error());
  out.metadata = std::move(*meta);
  FieldPath sp("spec");
  const Json* spec = member(object, "spec");
  if (spec == nullptr) return fail(ErrorCode::kInvalid, "Required value", "spec");
  if (auto ok = expect_object(*spec, sp, false); !ok) return fail(ok.error());
  out.spec_json = *spec;

  auto model = read_string(*spec, "model", sp);
  if (!model) return fail(model.error());
  out.spec.model = std::move(*model);

  auto engine = read_required_string(*spec, "inferenceEngine", sp);
  if (!engine) return fail(engine.error());
  if (*engine == "vLLM") {
    out.spec.inference_engine = InferenceEngine::kVllm;
  } else if (*engine == "SGLang") {
    out.spec.inference_engine = InferenceEngine::kSglang;
  } else {
    return fail(ErrorCode::kInvalid,
                "Unsupported value: " + go_quote(*engine) + ": supported values: \"vLLM\", \"SGLang\"",
                sp.child("inferenceEngine").str());
  }

  FieldPath wp = sp.child("workloadSelector");
  const Json* selector = member(*spec, "workloadSelector");
  if (selector == nullptr) return fail(ErrorCode::kInvalid, "Required value", wp.str());
  if (auto ok = expect_object(*selector, wp, false); !ok) return fail(ok.error());
  auto labels = read_string_map(*selector, "matchLabels", wp);
  if (!labels) return fail(labels.error());
  out.spec.workload_selector.match_labels = std::move(*labels);
  if (const Json* pd = member(*selector, "pdGroup")) {
    auto group = decode_pd_group(*pd, wp.child("pdGroup"));
    if (!group) return fail(group.error());
    out.spec.workload_selector.pd_group = std::move(*group);
  }

  FieldPath pp = sp.child("workloadPort");
  const Json* port = member(*spec, "workloadPort");
  if (port == nullptr) return fail(ErrorCode::kInvalid, "Required value", pp.str());
  if (auto ok = expect_object(*port, pp, false); !ok) return fail(ok.error());
  auto number = read_int(*port, "port", pp);
  if (!number) return fail(number.error());
  if (!number->has_value()) return fail(ErrorCode::kInvalid, "Required value", pp.child("port").str());
  if (**number < 1 || **number > 65535) {
    return fail(ErrorCode::kInvalid, "Invalid value: " + std::to_string(**number) + ": must be between 1 and 65535",
                pp.child("port").str());
  }
  out.spec.workload_port.port = static_cast<int32_t>(**number);
  auto protocol = read_string(*port, "protocol", pp);
  if (!protocol) return fail(protocol.error());
  out.spec.workload_port.protocol = protocol->value_or("http");

  if (const Json* policy = member(*spec, "trafficPolicy")) {
    auto tp = decode_traffic_policy(*policy, sp.child("trafficPolicy"));
    if (!tp) return fail(tp.error());
    out.spec.traffic_policy = std::move(*tp);
  }

  if (const Json* connector = member(*spec, "kvConnector")) {
    FieldPath kp = sp.child("kvConnector");
    if (auto ok = expect_object(*connector, kp, false); !ok) return fail(ok.error());
    auto type = read_string(*connector, "type", kp);
    if (!type) return fail(type.error());
    std::string t = type->value_or("http");
    if (t == "http") {
      out.spec.kv_connector = KvConnectorType::kHttp;
    } else if (t == "lmcache") {
      out.spec.kv_connector = KvConnectorType::kLmcache;
    } else if (t == "nixl") {
      out.spec.kv_connector = KvConnectorType::kNixl;
    } else if (t == "mooncake") {
      out.spec.kv_connector = KvConnectorType::kMooncake;
    } else {
      return fail(
          ErrorCode::kInvalid,
          "Unsupported value: " + go_quote(t) + ": supported values: \"http\", \"lmcache\", \"nixl\", \"mooncake\"",
          kp.child("type").str());
    }
  }
  return out;
}

}  // namespace kthena::api
