// What the router reads out of an OpenAI-style request body, and where each top-level member lies in the body so
// that the upstream body can be spliced together from the client's bytes (body_editor.h) instead of re-serialised.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "router/request/prompt.h"

namespace kthena::router {

// A byte range [begin, end) of the request body.
struct ByteRange {
  uint32_t begin = 0;
  uint32_t end = 0;
  uint32_t size() const { return end - begin; }
};

struct BodyMember {
  std::string_view key;  // unescaped; view into the parser's buffers
  ByteRange whole;       // `"key": value`, without surrounding whitespace or commas
  ByteRange value;       // the value alone
};

enum class PromptStatus { kFound, kNotFound };

// The result of RequestParser::parse. Views point into the body or into the parser, and stay valid until the
// parser parses the next body.
struct RequestBody {
  std::string_view model;                  // trimmed of ASCII whitespace; non-empty
  bool stream = false;                     // "stream" is JSON true
  bool include_usage = false;              // "stream_options" is an object whose "include_usage" is JSON true
  bool max_completion_tokens_set = false;  // "max_completion_tokens" is present and not null
  PromptStatus prompt_status = PromptStatus::kNotFound;
  Prompt prompt;
  std::vector<BodyMember> members;  // every top-level member, in body order (duplicates kept)

  // The last member named `key` (JSON decoders keep the last of duplicates), or nullptr.
  const BodyMember* find(std::string_view key) const;
};

}  // namespace kthena::router
