// Watches an upstream response for token usage while it is forwarded (kthena-router.md §3.12, §6.7), and removes
// the usage-only SSE chunk that the router asked for on behalf of a client that did not.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace simdjson::dom {
class parser;
}

namespace kthena::router {

struct Usage {
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
  int64_t total_tokens = 0;
  bool found = false;
};

// Reads "usage" from a JSON object (a non-streaming body or one SSE payload). `choices_empty` reports whether the
// object's "choices" is missing or an empty array.
Usage parse_usage(simdjson::dom::parser& parser, std::string_view json, bool* choices_empty = nullptr);

class SseUsageFilter {
 public:
  enum class Mode {
    kAggregated,  // drop an injected usage chunk only when its choices are empty; usage counts when total > 0
    kDecode,      // PD decode: drop every injected usage chunk; completion tokens add up
  };
  // `drop_injected`: the router injected include_usage, so the client must not see the usage chunk.
  SseUsageFilter(simdjson::dom::parser& parser, Mode mode, bool drop_injected)
      : parser_(parser), mode_(mode), drop_injected_(drop_injected) {}

  // Consumes a piece of the upstream body and appends to `out` what the client gets now. A line is held back
  // only until its end arrives.
  void feed(std::string_view piece, std::string& out);
  // The upstream body ended: appends any unterminated last line.
  void finish(std::string& out);

  const Usage& usage() const { return usage_; }
  bool saw_done() const { return saw_done_; }

 private:
  void line(std::string_view line, bool has_newline, std::string& out);

  simdjson::dom::parser& parser_;
  Mode mode_;
  bool drop_injected_;
  bool drop_next_blank_ = false;
  bool saw_done_ = false;
  std::string partial_;
  Usage usage_;
};

}  // namespace kthena::router
