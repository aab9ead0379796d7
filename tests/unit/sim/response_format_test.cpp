#include "sim/response_format.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace kthena::sim {
namespace {

using json = nlohmann::ordered_json;

TEST(ResponseFormatTest, TokenizeResponseIsWhatTheJsonDocumentDumped) {
  // The document /tokenize built before (one JSON value per token) is the oracle, byte for byte: control characters,
  // \b and \f by name, quotes, a byte that is not UTF-8 (U+FFFD), multi-byte code points and the chat markers.
  std::vector<TokenId> tokens =
      Tokenizer::encode("Hello \"wor\\ld\"\b\f\t\n\x01\x7f \xc3\xa9 \xe2\x9c\x93 \xff<|im_start|>");
  for (bool strs : {false, true}) {
    json expected{{"count", tokens.size()}, {"max_model_len", 4096}, {"tokens", tokens}};
    if (strs) {
      json list = json::array();
      for (TokenId t : tokens) {
        std::string s;
        Tokenizer::decode_one(t, s);
        list.push_back(s);
      }
      expected["token_strs"] = list;
    } else {
      expected["token_strs"] = nullptr;
    }
    EXPECT_EQ(tokenize_response(tokens, 4096, strs), expected.dump(-1, ' ', false, json::error_handler_t::replace));
  }
  EXPECT_EQ(tokenize_response({}, 7, true), R"({"count":0,"max_model_len":7,"tokens":[],"token_strs":[]})");
}

}  // namespace
}  // namespace kthena::sim
