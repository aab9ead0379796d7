// libFuzzer: the Prometheus text parser of `kthena runtime` (src/runtime/prometheus_text.h), which reads whatever an
// engine serves on /metrics, and the kthena:* renaming that follows it. Properties: never a crash; refusals name a
// line; whatever parses renders into text that parses to the same families, and renders the same again (so what the
// runtime serves means what the engine said); with the standard names added, for either engine, the output still
// parses, keeps every family of the engine in order and adds only kthena:* families.
#include <cstdint>
#include <string>
#include <string_view>

#include "common/prometheus_text.h"
#include "runtime/standard_names.h"

namespace {

using namespace kthena;
using namespace kthena::runtime;

void check(bool ok) {
  if (!ok) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(bytes), size);
  auto families = parse_prometheus_text(text);
  if (!families) {
    check(families.error().field.starts_with("line "));
    check(!families.error().message.empty());
    return 0;
  }
  std::string rendered = render_prometheus_text(*families);
  auto again = parse_prometheus_text(rendered);
  check(again.has_value());
  check(*again == *families);
  check(render_prometheus_text(*again) == rendered);

  for (EngineKind engine : {EngineKind::kVllm, EngineKind::kSglang}) {
    std::vector<MetricFamily> served = with_standard_names(engine, *families);
    auto reread = parse_prometheus_text(render_prometheus_text(served));
    check(reread.has_value());
    check(*reread == served);
    size_t j = 0;
    for (const MetricFamily& f : served) {
      if (j < families->size() && f == (*families)[j]) {
        ++j;
      } else {
        check(f.name.starts_with("kthena:"));
      }
    }
    check(j == families->size());
  }
  return 0;
}
