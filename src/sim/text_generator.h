// Deterministic generated text. Every generated token is one token of the simulator's tokenizer (a word of at most
// five letters, with its leading space, or a punctuation mark), so that re-tokenizing an answer gives back exactly
// its completion_tokens. The same seed gives the same text.
#pragma once

#include <cstdint>
#include <string>

namespace kthena::sim {

class TextGenerator {
 public:
  explicit TextGenerator(uint64_t seed) : state_(seed) {}

  // Appends the text of the next token to `out` (with its leading space, except for the first token).
  void next(std::string& out);
  // A natural answer length ("the model emits EOS after n tokens") around `mean`, from the same stream.
  uint32_t natural_length(uint32_t mean);
  uint64_t next_u64();

 private:
  uint64_t state_;
  bool sentence_start_ = true;
  uint32_t words_in_sentence_ = 0;
  uint64_t emitted_ = 0;
};

uint64_t mix64(uint64_t x);

}  // namespace kthena::sim
