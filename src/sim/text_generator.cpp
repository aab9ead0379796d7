#include "sim/text_generator.h"

#include <array>
#include <string_view>

namespace kthena::sim {
namespace {

// Common English words of one to five letters: one token each with their leading space.
constexpr std::array<std::string_view, 96> kWords = {
    "the",   "model", "can",  "serve", "large", "text", "with", "token", "cache", "route", "every", "query",
    "fast",  "and",   "of",   "to",    "in",    "is",   "that", "for",   "it",    "as",    "was",   "on",
    "are",   "be",    "this", "by",    "from",  "at",   "or",   "an",    "which", "one",   "have",  "has",
    "more",  "when",  "will", "each",  "about", "many", "then", "them",  "these", "so",    "some",  "her",
    "would", "make",  "like", "into",  "time",  "look", "two",  "write", "go",    "see",   "way",   "could",
    "first", "water", "been", "call",  "who",   "oil",  "its",  "now",   "find",  "long",  "down",  "day",
    "did",   "get",   "come", "made",  "may",   "part", "over", "new",   "sound", "take",  "only",  "work",
    "know",  "place", "year", "live",  "back",  "give", "most", "very",  "after", "thing", "our",   "just"};

}  // namespace

uint64_t mix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

uint64_t TextGenerator::next_u64() {
  state_ += 0x9E3779B97F4A7C15ULL;
  return mix64(state_);
}

void TextGenerator::next(std::string& out) {
  uint64_t r = next_u64();
  bool first = emitted_++ == 0;
  if (!sentence_start_ && words_in_sentence_ >= 4 && r % 9 == 0) {
    out.push_back(r % 2 == 0 ? '.' : ',');
    if (out.back() == '.') sentence_start_ = true;
    words_in_sentence_ = 0;
    return;
  }
  std::string_view word = kWords[(r >> 8) % kWords.size()];
  if (!first) out.push_back(' ');
  size_t at = out.size();
  out.append(word);
  if (sentence_start_) out[at] = static_cast<char>(out[at] - 'a' + 'A');
  sentence_start_ = false;
  ++words_in_sentence_;
}

uint32_t TextGenerator::natural_length(uint32_t mean) {
  if (mean == 0) return 1;
  // Uniform in [mean/4, 7*mean/4): varied answers whose average is `mean`.
  uint64_t lo = mean / 4;
  uint64_t span = mean * 3 / 2;
  return static_cast<uint32_t>(lo + (span == 0 ? 0 : next_u64() % span)) + 1;
}

}  // namespace kthena::sim
