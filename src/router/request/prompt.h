// The prompt of an inference request as upstream's utils.ParsePrompt sees it (kthena-router.md §3.3): either one
// text (completions) or a list of chat messages, and the "prompt string" derived from it that token estimation,
// rate limiting and prefix-cache hashing read.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace kthena::router {

struct ChatMessage {
  std::string_view role;
  std::string_view content;  // the text of the content: a string, or its text parts joined with "\n"
};

struct Prompt {
  enum class Kind { kText, kMessages };
  Kind kind = Kind::kText;
  std::string_view text;              // kText
  std::vector<ChatMessage> messages;  // kMessages; views into the parser's buffers

  void clear() {
    kind = Kind::kText;
    text = {};
    messages.clear();
  }
};

// Appends the prompt string to `out` (cleared first): the text if non-empty, else the ChatML rendering
// "<|im_start|>" role "\n" content "<|im_end|>\n" of every message.
void build_prompt_string(const Prompt& prompt, std::string& out);

// Upstream's SimpleEstimateTokenizer: ceil(runes / 4), 0 for an empty string. Runes are UTF-8 code points; a byte
// that starts no valid sequence counts as one, as Go's utf8.RuneCountInString counts it.
int64_t estimate_tokens(std::string_view prompt_string);

// The number of UTF-8 code points in `s`, as Go counts them.
size_t count_runes(std::string_view s);

}  // namespace kthena::router
