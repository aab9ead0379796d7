// libFuzzer: the SSE usage filter (src/router/pipeline/sse_usage_filter.h), which reads every streamed answer an
// engine sends and removes the usage chunk the router asked for on a client's behalf. The first byte picks the mode,
// the second how the stream is cut into pieces. Properties: never a crash; the output does not depend on where the
// pieces were cut (a TCP read can end anywhere); without dropping, the stream passes through byte for byte; and what
// is dropped is only ever whole lines, so the output is the input with some lines left out.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <simdjson.h>

#include "router/pipeline/sse_usage_filter.h"

namespace {

using kthena::router::SseUsageFilter;
using kthena::router::Usage;

void check(bool ok) {
  if (!ok) __builtin_trap();
}

struct Run {
  std::string out;
  Usage usage;
  bool done = false;
};

Run run(SseUsageFilter::Mode mode, bool drop, std::string_view stream, const std::vector<size_t>& cuts) {
  simdjson::dom::parser parser;
  SseUsageFilter filter(parser, mode, drop);
  Run r;
  size_t start = 0;
  for (size_t cut : cuts) {
    // Each piece in a buffer of its own size: reading past it is an ASan error.
    std::vector<char> piece(stream.begin() + static_cast<std::ptrdiff_t>(start),
                            stream.begin() + static_cast<std::ptrdiff_t>(cut));
    filter.feed(std::string_view(piece.data(), piece.size()), r.out);
    start = cut;
  }
  filter.finish(r.out);
  r.usage = filter.usage();
  r.done = filter.saw_done();
  return r;
}

bool same(const Run& a, const Run& b) {
  return a.out == b.out && a.done == b.done && a.usage.found == b.usage.found &&
         a.usage.prompt_tokens == b.usage.prompt_tokens && a.usage.completion_tokens == b.usage.completion_tokens &&
         a.usage.total_tokens == b.usage.total_tokens;
}

std::vector<std::string_view> lines(std::string_view s) {
  std::vector<std::string_view> out;
  while (!s.empty()) {
    size_t nl = s.find('\n');
    out.push_back(s.substr(0, nl == std::string_view::npos ? s.size() : nl + 1));
    s.remove_prefix(out.back().size());
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, size_t size) {
  if (size < 2) return 0;
  auto mode = bytes[0] & 1 ? SseUsageFilter::Mode::kDecode : SseUsageFilter::Mode::kAggregated;
  bool drop = (bytes[0] & 2) != 0;
  uint8_t step = bytes[1];
  std::string_view stream(reinterpret_cast<const char*>(bytes + 2), size - 2);

  std::vector<size_t> whole{stream.size()};
  std::vector<size_t> pieces;
  for (size_t at = 1 + step % 5; at < stream.size(); at += 1 + (at * 17 + step) % 11) pieces.push_back(at);
  pieces.push_back(stream.size());

  Run at_once = run(mode, drop, stream, whole);
  check(same(run(mode, drop, stream, pieces), at_once));
  if (!drop) check(at_once.out == stream);
  // The output is the input's lines with some left out, in order.
  std::vector<std::string_view> in = lines(stream), out = lines(at_once.out);
  size_t j = 0;
  for (std::string_view line : out) {
    while (j < in.size() && in[j] != line) ++j;
    check(j < in.size());
    ++j;
  }
  return 0;
}
