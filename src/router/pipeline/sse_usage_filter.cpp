#include "router/pipeline/sse_usage_filter.h"

#include <cstring>

#include <simdjson.h>

namespace kthena::router {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

int64_t read_int(simdjson::dom::object object, std::string_view key) {
  int64_t v = 0;
  if (object[key].get_int64().get(v) == simdjson::SUCCESS) return v;
  double d = 0;
  if (object[key].get_double().get(d) == simdjson::SUCCESS) return static_cast<int64_t>(d);
  return 0;
}

}  // namespace

Usage parse_usage(simdjson::dom::parser& parser, std::string_view json, bool* choices_empty) {
  Usage out;
  simdjson::dom::element doc;
  if (parser.parse(json.data(), json.size()).get(doc) != simdjson::SUCCESS) return out;
  if (choices_empty != nullptr) {
    simdjson::dom::array choices;
    *choices_empty = doc["choices"].get_array().get(choices) != simdjson::SUCCESS || choices.size() == 0;
  }
  simdjson::dom::object usage;
  if (doc["usage"].get_object().get(usage) != simdjson::SUCCESS) return out;
  out.prompt_tokens = read_int(usage, "prompt_tokens");
  out.completion_tokens = read_int(usage, "completion_tokens");
  out.total_tokens = read_int(usage, "total_tokens");
  out.found = true;
  return out;
}

void SseUsageFilter::feed(std::string_view piece, std::string& out) {
  while (!piece.empty()) {
    size_t nl = piece.find('\n');
    if (nl == std::string_view::npos) {
      partial_.append(piece);
      return;
    }
    if (partial_.empty()) {
      line(piece.substr(0, nl), true, out);
    } else {
      partial_.append(piece.substr(0, nl));
      std::string held = std::move(partial_);
      partial_.clear();
      line(held, true, out);
    }
    piece.remove_prefix(nl + 1);
  }
}

void SseUsageFilter::finish(std::string& out) {
  if (partial_.empty()) return;
  std::string held = std::move(partial_);
  partial_.clear();
  line(held, false, out);
}

void SseUsageFilter::line(std::string_view text, bool has_newline, std::string& out) {
  auto emit = [&] {
    out.append(text);
    if (has_newline) out.push_back('\n');
  };
  std::string_view t = trim(text);
  if (t.empty() && drop_next_blank_) {
    drop_next_blank_ = false;  // the event separator of a dropped usage chunk
    return;
  }
  drop_next_blank_ = false;
  // Only data lines that mention usage are parsed; the rest pass through untouched.
  if (t.substr(0, 5) != "data:") {
    emit();
    return;
  }
  std::string_view payload = trim(t.substr(5));
  if (payload == "[DONE]") {
    saw_done_ = true;
    emit();
    return;
  }
  if (payload.find("\"usage\"") == std::string_view::npos) {
    emit();
    return;
  }
  bool choices_empty = false;
  Usage u = parse_usage(parser_, payload, &choices_empty);
  if (mode_ == Mode::kAggregated) {
    int64_t total = u.total_tokens != 0 ? u.total_tokens : u.prompt_tokens + u.completion_tokens;
    if (u.found && total > 0) {
      usage_ = u;
      usage_.found = true;
      if (drop_injected_ && choices_empty) {
        drop_next_blank_ = true;
        return;
      }
    }
  } else if (u.found && u.completion_tokens > 0) {
    usage_.completion_tokens += u.completion_tokens;
    usage_.prompt_tokens = u.prompt_tokens;
    usage_.found = true;
    if (drop_injected_) {
      drop_next_blank_ = true;
      return;
    }
  }
  emit();
}

}  // namespace kthena::router
