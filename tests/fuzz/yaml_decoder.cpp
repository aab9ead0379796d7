// libFuzzer: YAML (and sniffed JSON) decoding never crashes, and whatever decodes survives encode -> decode.
#include <cmath>
#include <cstdint>
#include <string_view>

#include "api/codec/yaml_decoder.h"
#include "api/codec/yaml_encoder.h"

namespace {

// nlohmann's == says NaN != NaN; a round trip must keep NaN, so compare it as equal here.
bool same(const kthena::Json& a, const kthena::Json& b) {
  if (a.is_number() && b.is_number()) {
    double x = a.get<double>(), y = b.get<double>();
    return a == b || (std::isnan(x) && std::isnan(y));
  }
  if (a.type() != b.type()) return false;
  if (a.is_object()) {
    if (a.size() != b.size()) return false;
    auto it = b.begin();
    for (auto& [k, v] : a.items()) {
      if (it.key() != k || !same(v, it.value())) return false;
      ++it;
    }
    return true;
  }
  if (a.is_array()) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
      if (!same(a[i], b[i])) return false;
    }
    return true;
  }
  return a == b;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto docs = kthena::api::decode_documents(text, "fuzz");
  if (!docs) {
    if (docs.error().field.empty() || docs.error().message.empty()) __builtin_trap();
    return 0;
  }
  for (const auto& doc : *docs) {
    std::string out = kthena::api::encode_yaml(doc.value);
    auto back = kthena::api::decode_yaml(out, "roundtrip");
    if (!back || back->size() != 1 || !same((*back)[0].value, doc.value)) __builtin_trap();
  }
  return 0;
}
