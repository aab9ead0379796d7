#include "router/request/request_parser.h"

#include <string>

#include <gtest/gtest.h>

#include "common/json_string.h"
#include "router/request/body_editor.h"

namespace kthena::router {
namespace {

// Parses `body` from a buffer with no spare capacity, which exercises the padded-copy path; ParseInPlace covers
// the zero-copy path.
tl::expected<const RequestBody*, BodyError> parse(RequestParser& parser, const std::string& body) {
  return parser.parse(body, body.size());
}

std::string prompt_string(const RequestBody& body) {
  std::string out;
  build_prompt_string(body.prompt, out);
  return out;
}

TEST(RequestParser, ReadsModelStreamAndUsage) {
  RequestParser parser;
  auto r =
      parse(parser, R"({"model":" m1 ","stream":true,"stream_options":{"include_usage":true},"prompt":"hello world"})");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ((*r)->model, "m1");
  EXPECT_TRUE((*r)->stream);
  EXPECT_TRUE((*r)->include_usage);
  EXPECT_EQ((*r)->prompt_status, PromptStatus::kFound);
  EXPECT_EQ(prompt_string(**r), "hello world");
  EXPECT_EQ(estimate_tokens(prompt_string(**r)), 3);
}

TEST(RequestParser, ParseInPlaceWithPadding) {
  RequestParser parser;
  std::string body = R"({"model":"m","messages":[{"role":"user","content":"hello world"}]})";
  size_t size = body.size();
  body.resize(size + 64, '\0');
  auto r = parser.parse(std::string_view(body.data(), size), body.size());
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(prompt_string(**r), "<|im_start|>user\nhello world<|im_end|>\n");
  EXPECT_EQ(prompt_string(**r).size(), 39u);
  EXPECT_EQ(estimate_tokens(prompt_string(**r)), 10);
}

TEST(RequestParser, MalformedBodies) {
  RequestParser parser;
  struct Case {
    std::string body;
    int status;
    std::string message;  // substring
  } cases[] = {
      {"", 400, "EOF"},
      {"   ", 400, "EOF"},
      {R"({"model":)", 400, "unexpected EOF"},
      {R"({"model":"m")", 400, "unexpected EOF"},
      {R"({"model":"m"}{"model":"n"})", 400, "invalid request body"},
      {R"([{"model":"m"}])", 400, "cannot unmarshal array"},
      {R"({"model":"m","x":tru})", 400, "invalid"},
      {R"({"model":"m","x":[1,2,}})", 400, ""},
      {"null", 404, "model not found"},
      {R"({})", 404, "model not found"},
      {R"({"model":""})", 404, "model not found"},
      {R"({"model":"   "})", 404, "model not found"},
      {R"({"model":42})", 404, "model not found"},
      {R"({"model":"m","model":null})", 404, "model not found"},
  };
  for (const Case& c : cases) {
    auto r = parse(parser, c.body);
    ASSERT_FALSE(r) << c.body;
    EXPECT_EQ(r.error().status, c.status) << c.body << " -> " << r.error().message;
    EXPECT_NE(r.error().message.find(c.message), std::string::npos) << c.body << " -> " << r.error().message;
  }
  auto ok = parse(parser, "{\"model\":\"m\",\"prompt\":\"x\"}  \n");
  EXPECT_TRUE(ok) << "trailing whitespace is allowed";
}

// Each of these crashed the router (a null dereference while describing an error the document refused before its
// first token; a stack overflow in the recursive validation). Both parse paths are exercised.
TEST(RequestParser, BodiesThatCrashedTheRouterAreRefusedWithAReason) {
  struct Case {
    std::string body;
    std::string message;  // substring
  } cases[] = {
      {"\"", "unexpected EOF"},
      {R"({"model":"m","prompt":"abc)", "unexpected EOF"},
      {"{\"model\":\"m\",\"prompt\":\"\xff\xfe\"}", "invalid UTF-8"},
      {"{\"model\":\"m\",\"prompt\":\"a\tb\"}", "invalid character '\\x09' in string literal at offset 24"},
      {std::string("{\"model\":\"m\",\"prompt\":\"a\0b\"}", 28), "'\\x00' in string literal"},
      {"{\"x\":" + std::string(70000, '[') + std::string(70000, ']') + "}", "nests deeper than 128 levels"},
      {"{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":" + std::string(5000, '[') +
           std::string(5000, ']') + "}]}",
       "nests deeper than 128 levels"},
  };
  for (const Case& c : cases) {
    for (bool in_place : {false, true}) {
      RequestParser parser;
      std::string buffer = c.body;
      if (in_place) buffer.resize(c.body.size() + 64, '\0');
      auto r = parser.parse(std::string_view(buffer.data(), c.body.size()), buffer.size());
      ASSERT_FALSE(r) << c.body.substr(0, 60);
      EXPECT_EQ(r.error().status, 400) << c.body.substr(0, 60);
      EXPECT_NE(r.error().message.find(c.message), std::string::npos)
          << c.body.substr(0, 60) << " -> " << r.error().message;
    }
  }
}

TEST(RequestParser, DepthLimitIsTheConfiguredOne) {
  auto nested = [](size_t levels) {  // the top-level object is level 1
    return "{\"model\":\"m\",\"prompt\":\"p\",\"x\":" + std::string(levels - 1, '[') + std::string(levels - 1, ']') +
           "}";
  };
  RequestParser parser(8);
  EXPECT_TRUE(parser.parse(nested(8), nested(8).size()));
  auto deep = parser.parse(nested(9), nested(9).size());
  ASSERT_FALSE(deep);
  EXPECT_EQ(deep.error().message, "request body nests deeper than 8 levels");
}

TEST(RequestParser, PromptPrecedenceAndShapes) {
  RequestParser parser;
  struct Case {
    std::string body;
    bool found;
    std::string prompt;
  } cases[] = {
      // prompt wins over messages, whatever the order
      {R"({"model":"m","messages":[{"role":"user","content":"a"}],"prompt":"p"})", true, "p"},
      {R"({"model":"m","prompt":["a","b"]})", false, ""},
      {R"({"model":"m","prompt":[1,2,3]})", false, ""},
      {R"({"model":"m","prompt":""})", true, ""},
      {R"({"model":"m","messages":"hi"})", false, ""},
      {R"({"model":"m"})", false, ""},
      // text parts joined with "\n", image parts dropped
      {R"({"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"a"},{"type":"image_url","image_url":{"url":"x"}},{"text":"b"}]}]})",
       true, "<|im_start|>user\na\nb<|im_end|>\n"},
      // a message without text content is skipped
      {R"({"model":"m","messages":[{"role":"user","content":[{"type":"image_url"}]},{"role":"assistant","content":"ok"}]})",
       true, "<|im_start|>assistant\nok<|im_end|>\n"},
      {R"({"model":"m","messages":[{"role":1,"content":"x"},"junk",{"content":"y"}]})", true, ""},
      // Anthropic system is prepended
      {R"({"model":"m","messages":[{"role":"user","content":"u"}],"system":"s"})", true,
       "<|im_start|>system\ns<|im_end|>\n<|im_start|>user\nu<|im_end|>\n"},
      {R"({"model":"m","system":[{"type":"text","text":"s1"}],"messages":[]})", true,
       "<|im_start|>system\ns1<|im_end|>\n"},
      // Responses input
      {R"({"model":"m","input":"hi","instructions":"be brief"})", true,
       "<|im_start|>developer\nbe brief<|im_end|>\n<|im_start|>user\nhi<|im_end|>\n"},
      {R"({"model":"m","input":[{"type":"message","role":"user","content":[{"type":"input_text","text":"q"}]},{"type":"function_call","role":"user","content":"no"},{"role":"","content":"no"}]})",
       true, "<|im_start|>user\nq<|im_end|>\n"},
      {R"({"model":"m","input":["a","b"]})", true, ""},
      {R"({"model":"m","input":42})", false, ""},
  };
  for (const Case& c : cases) {
    auto r = parse(parser, c.body);
    ASSERT_TRUE(r) << c.body << ": " << r.error().message;
    EXPECT_EQ((*r)->prompt_status == PromptStatus::kFound, c.found) << c.body;
    if (c.found) {
      EXPECT_EQ(prompt_string(**r), c.prompt) << c.body;
    }
  }
}

TEST(RequestParser, EscapedStringsAreUnescaped) {
  RequestParser parser;
  auto r = parse(parser, R"({"model":"a\u00e9b","prompt":"line\nnext \"q\""})");
  ASSERT_TRUE(r);
  EXPECT_EQ((*r)->model,
            "a\xc3\xa9"
            "b");
  EXPECT_EQ(prompt_string(**r), "line\nnext \"q\"");
  EXPECT_EQ(count_runes("a\xc3\xa9"
                        "b"),
            3u);
}

TEST(RequestParser, MemberRangesCoverEachMember) {
  RequestParser parser;
  std::string body = "{ \"model\" : \"m\" ,\n \"n\":[1, 2] , \"o\":{\"a\":1}}";
  auto r = parse(parser, body);
  ASSERT_TRUE(r) << r.error().message;
  const auto& members = (*r)->members;
  ASSERT_EQ(members.size(), 3u);
  auto text = [&](ByteRange range) { return body.substr(range.begin, range.size()); };
  EXPECT_EQ(text(members[0].whole), "\"model\" : \"m\"");
  EXPECT_EQ(text(members[0].value), "\"m\"");
  EXPECT_EQ(text(members[1].whole), "\"n\":[1, 2]");
  EXPECT_EQ(text(members[2].value), "{\"a\":1}");
}

TEST(BodyEditor, SplicesMembers) {
  RequestParser parser;
  std::string body =
      R"({"model":"client","stream":true,"stream_options":{"x":1},"temperature":0.10000000000000001,"model":"dup"})";
  auto r = parse(parser, body);
  ASSERT_TRUE(r);
  BodyEditor editor(body, **r);
  EXPECT_EQ(editor.str(), body) << "an untouched body is passed through";
  std::string model;
  append_json_string(model, "served/\"model\"");
  editor.set("model", model);
  editor.set("stream_options", R"({"include_usage":true})");
  editor.set("max_tokens", "1");
  editor.erase("stream");
  EXPECT_EQ(
      editor.str(),
      R"({"stream_options":{"include_usage":true},"temperature":0.10000000000000001,"model":"served/\"model\"","max_tokens":1})");
  EXPECT_EQ(editor.size(), editor.str().size());
}

}  // namespace
}  // namespace kthena::router
