#include "router/request/prompt.h"

namespace kthena::router {

void build_prompt_string(const Prompt& prompt, std::string& out) {
  out.clear();
  if (prompt.kind == Prompt::Kind::kText) {
    out.append(prompt.text);
    return;
  }
  size_t size = 0;
  for (const ChatMessage& m : prompt.messages) size += m.role.size() + m.content.size() + 24;
  out.reserve(size);
  for (const ChatMessage& m : prompt.messages) {
    out.append("<|im_start|>");
    out.append(m.role);
    out.push_back('\n');
    out.append(m.content);
    out.append("<|im_end|>\n");
  }
}

size_t count_runes(std::string_view s) {
  // The JSON parser has validated the UTF-8 of every string we see, so counting the bytes that do not continue a
  // sequence gives Go's count; invalid input (only possible from other callers) is still counted per lead byte.
  size_t continuation = 0;
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  for (size_t i = 0; i < s.size(); ++i) continuation += (p[i] & 0xC0) == 0x80;
  return s.size() - continuation;
}

int64_t estimate_tokens(std::string_view prompt_string) {
  size_t runes = count_runes(prompt_string);
  return static_cast<int64_t>((runes + 3) / 4);
}

}  // namespace kthena::router
