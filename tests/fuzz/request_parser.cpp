// libFuzzer: the router's request parser and body editing (src/router/request), the first code to read a client's
// body. Properties: never a crash; a refusal has a 4xx status and a message; an accepted body's member ranges lie
// inside it, in order; the zero-copy and the copying paths agree; and the body the router would send upstream
// (model rewritten, usage injected, a member erased) parses again with the edits visible and nothing else changed.
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "router/request/body_editor.h"
#include "router/request/request_parser.h"

namespace {

using kthena::router::BodyEditor;
using kthena::router::RequestBody;
using kthena::router::RequestParser;

void check(bool ok) {
  if (!ok) __builtin_trap();
}

struct Snapshot {
  std::string model;
  bool stream = false;
  bool include_usage = false;
  std::vector<std::string> keys;
  std::vector<std::string> members;  // each member's text, `"key": value`
};

Snapshot snapshot(const RequestBody& req, std::string_view body) {
  Snapshot s{std::string(req.model), req.stream, req.include_usage, {}, {}};
  uint32_t last_end = 0;
  for (const auto& m : req.members) {
    check(m.whole.begin <= m.value.begin && m.value.begin <= m.value.end && m.value.end == m.whole.end);
    check(m.whole.begin >= last_end && m.whole.end <= body.size());
    check(body[m.whole.begin] == '"');
    last_end = m.whole.end;
    s.keys.emplace_back(m.key);
    s.members.emplace_back(body.substr(m.whole.begin, m.whole.size()));
  }
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  RequestParser parser(16);  // a small depth limit, so that the fuzzer reaches it
  auto parsed = parser.parse(body, body.size());

  // The same bytes with padding after them take the zero-copy path; the verdict must not depend on it.
  std::string padded(body);
  padded.resize(size + 64, '\0');
  RequestParser in_place(16);
  auto parsed_in_place = in_place.parse(std::string_view(padded.data(), size), padded.size());
  check(parsed.has_value() == parsed_in_place.has_value());

  if (!parsed) {
    const auto& e = parsed.error();
    check(e.status >= 400 && e.status < 500 && !e.message.empty());
    check(e.status == parsed_in_place.error().status && e.message == parsed_in_place.error().message);
    return 0;
  }
  const RequestBody& req = **parsed;
  check(!req.model.empty());
  Snapshot original = snapshot(req, body);
  Snapshot original_in_place = snapshot(**parsed_in_place, std::string_view(padded.data(), size));
  check(original.members == original_in_place.members && original.model == original_in_place.model);
  std::string prompt;
  build_prompt_string(req.prompt, prompt);

  // What the router sends upstream: the model rewritten, stream options injected, a member erased.
  BodyEditor editor(body, req);
  editor.set("model", "\"fuzz-model\"");
  editor.set("stream_options", R"({"include_usage":true})");
  editor.erase("max_tokens");
  std::string edited = editor.str();
  check(edited.size() == editor.size());
  RequestParser again(18);  // the injected member adds a level
  auto reparsed = again.parse(edited, edited.size());
  check(reparsed.has_value());
  const RequestBody& out = **reparsed;
  check(out.model == "fuzz-model");
  check(out.include_usage);
  check(out.find("max_tokens") == nullptr);
  // Every member the editor did not touch is carried over byte for byte, in order.
  Snapshot after = snapshot(out, edited);
  size_t j = 0;
  for (size_t i = 0; i < original.keys.size(); ++i) {
    const std::string& key = original.keys[i];
    if (key == "model" || key == "stream_options" || key == "max_tokens") continue;
    while (j < after.keys.size() && after.keys[j] != key) ++j;
    check(j < after.keys.size() && after.members[j] == original.members[i]);
    ++j;
  }
  return 0;
}
