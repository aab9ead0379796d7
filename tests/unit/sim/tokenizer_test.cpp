#include "sim/tokenizer.h"

#include <gtest/gtest.h>

#include "sim/text_generator.h"

namespace kthena::sim {
namespace {

TEST(TokenizerTest, SplitsWordsOfFiveLettersWithTheirSpace) {
  auto ids = Tokenizer::encode("Hello tokenization world 123!");
  // "Hello" " token" "izati" "on" " world" " " "1" "2" "3" "!"
  EXPECT_EQ(ids.size(), 10u);
  EXPECT_EQ(Tokenizer::decode(ids), "Hello tokenization world 123!");
}

TEST(TokenizerTest, SameTextSameTokens) {
  std::string text = "The quick brown fox, jumps over 13 lazy dogs.\n\tÜnïcödé ✓ and \xff bytes";
  EXPECT_EQ(Tokenizer::encode(text), Tokenizer::encode(text));
  EXPECT_EQ(Tokenizer::decode(Tokenizer::encode(text)), text);
}

TEST(TokenizerTest, ChatSpecialTokens) {
  auto ids = Tokenizer::encode("<|im_start|>user\nhi<|im_end|>\n");
  ASSERT_EQ(ids.size(), 6u);
  EXPECT_EQ(ids.front(), Tokenizer::kImStart);
  EXPECT_EQ(ids[4], Tokenizer::kImEnd);
}

TEST(TokenizerTest, GeneratedTextRetokenizesToItsTokenCount) {
  TextGenerator g(42);
  std::string text;
  for (int i = 0; i < 500; ++i) g.next(text);
  EXPECT_EQ(Tokenizer::count(text), 500u);
  TextGenerator again(42);
  std::string same;
  for (int i = 0; i < 500; ++i) again.next(same);
  EXPECT_EQ(text, same);
}

}  // namespace
}  // namespace kthena::sim
