// The simulator's tokenizer: deterministic, reversible, and close to a real BPE's ~4 characters per token for
// English, so that prompt counts, prefix-cache blocks and /tokenize answers stay consistent with each other.
//
// Rules, applied left to right:
//   1. an optional single space followed by 1-5 ASCII letters is one token (" model", "Hello"; longer words split
//      every 5 letters: " token" "izati" "on");
//   2. anything else is one token per UTF-8 code point (digits one by one, as Llama's tokenizer does); a byte that
//      is not valid UTF-8 is one token of its own.
// Ids encode the text, so detokenize() needs no vocabulary: code point c -> c; invalid byte b -> 0xDC00 + b (never a
// valid code point); a word -> kWordBase + (space flag, letters in base 53). The chat special tokens have fixed ids.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace kthena::sim {

using TokenId = uint32_t;

class Tokenizer {
 public:
  static constexpr TokenId kImStart = 0x10FFFE;  // "<|im_start|>" (a Unicode noncharacter: never in text)
  static constexpr TokenId kImEnd = 0x10FFFF;    // "<|im_end|>"
  static constexpr TokenId kWordBase = 0x110000;

  // Appends the tokens of `text` to `out`. "<|im_start|>" and "<|im_end|>" in the text become the special tokens.
  static void encode(std::string_view text, std::vector<TokenId>& out);
  static std::vector<TokenId> encode(std::string_view text);
  static size_t count(std::string_view text);
  // The text of one token; false when the id encodes nothing.
  static bool decode_one(TokenId id, std::string& out);
  // The text of `ids`; ids that encode nothing are skipped.
  static std::string decode(const std::vector<TokenId>& ids);
};

}  // namespace kthena::sim
