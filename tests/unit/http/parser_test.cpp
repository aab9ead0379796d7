#include "http/parser.h"

#include <gtest/gtest.h>

namespace kthena::http {
namespace {

TEST(ParserTest, RequestHeadArrivingByteByByte) {
  std::string wire = "\r\nPOST /v1/chat?x=1 HTTP/1.1\r\nHost: a\r\nContent-Length: 12\r\nX-Multi:  v  \r\n\r\nbody";
  RequestHead head;
  size_t scanned = 0, size = 0;
  ParseError error;
  ParseStatus st = ParseStatus::kIncomplete;
  size_t n = 0;
  for (n = 1; n <= wire.size(); ++n) {
    st = parse_request_head(std::string_view(wire).substr(0, n), 4096, scanned, head, size, error);
    if (st != ParseStatus::kIncomplete) break;
  }
  ASSERT_EQ(st, ParseStatus::kComplete) << error.message;
  EXPECT_EQ(size, wire.size() - 4);
  EXPECT_EQ(head.method, "POST");
  EXPECT_EQ(head.path(), "/v1/chat");
  EXPECT_EQ(head.query(), "x=1");
  EXPECT_EQ(head.body, BodyKind::kLength);
  EXPECT_EQ(head.content_length, 12u);
  EXPECT_EQ(head.headers.get("x-multi"), "v");
  EXPECT_TRUE(head.keep_alive);
}

TEST(ParserTest, BareLineFeedsAndConnectionTokens) {
  RequestHead head;
  size_t scanned = 0, size = 0;
  ParseError error;
  ASSERT_EQ(
      parse_request_head("GET / HTTP/1.1\nHost: t\nConnection: Upgrade, close\n\n", 4096, scanned, head, size, error),
      ParseStatus::kComplete);
  EXPECT_FALSE(head.keep_alive);
}

TEST(ParserTest, ErrorsNameTheLine) {
  RequestHead head;
  size_t scanned = 0, size = 0;
  ParseError error;
  ASSERT_EQ(parse_request_head("GET / HTTP/1.1\r\nA: 1\r\nB c: 2\r\n\r\n", 4096, scanned, head, size, error),
            ParseStatus::kError);
  EXPECT_EQ(error.status, 400);
  EXPECT_EQ(error.message, "line 3: invalid header field name \"B c\"");
}

// Field lines are read by a one-pass reader when they have the common shape and by a careful one otherwise; both
// must agree on values and on what they reject.
TEST(ParserTest, FieldValuesAreTrimmedAlikeWhateverTheLineShape) {
  RequestHead head;
  size_t scanned = 0, size = 0;
  ParseError error;
  std::string wire =
      "GET / HTTP/1.1\r\nHost: t\r\nA:1\r\nB: \t two words \t\r\nC:\r\nD: \xe2\x9c\x93 obs-text\nE:\t\t\r\nF: x\n\r\n";
  ASSERT_EQ(parse_request_head(wire, 4096, scanned, head, size, error), ParseStatus::kComplete) << error.message;
  EXPECT_EQ(head.headers.get("a"), "1");
  EXPECT_EQ(head.headers.get("b"), "two words");
  EXPECT_TRUE(head.headers.has("c"));
  EXPECT_EQ(head.headers.get("c"), "");
  EXPECT_EQ(head.headers.get("d"), "\xe2\x9c\x93 obs-text");
  EXPECT_EQ(head.headers.get("e"), "");
  EXPECT_EQ(head.headers.get("f"), "x");
  EXPECT_EQ(head.headers.size(), 7u);  // with Host
}

TEST(ParserTest, EveryFieldLineErrorNamesItsLine) {
  struct Case {
    std::string fields;
    int status;
    std::string message;
  };
  const Case cases[] = {
      {"A: 1\r\nB: x\ry\r\n", 400, "line 3: bare CR in a header field"},
      {"A: 1\r\nB: x\x01y\r\n", 400, "line 3: control character in the value of B"},
      {"A: 1\r\nB: x\x7fy\r\n", 400, "line 3: control character in the value of B"},
      {"A: 1\r\n folded\r\n", 400, "line 3: obsolete line folding is not accepted"},
      {"A: 1\r\nno colon\r\n", 400, "line 3: header field without ':'"},
      {"A: 1\r\n: empty name\r\n", 400, "line 3: invalid header field name \"\""},
      {"A : 1\r\n", 400, "line 2: invalid header field name \"A \""},
      {"Content-Length: 1\r\ncontent-length: 2\r\n", 400, "line 3: conflicting Content-Length values"},
      {"Content-Length: 1x\r\n", 400, "line 2: invalid Content-Length \"1x\""},
      {"Transfer-Encoding: gzip\r\n", 501, "line 2: unsupported transfer coding \"gzip\""},
  };
  for (const Case& c : cases) {
    RequestHead head;
    size_t scanned = 0, size = 0;
    ParseError error;
    // Field errors come before the Host check: no Host needed.
    std::string wire = "POST / HTTP/1.1\r\n" + c.fields + "\r\n";
    ASSERT_EQ(parse_request_head(wire, 4096, scanned, head, size, error), ParseStatus::kError) << c.message;
    EXPECT_EQ(error.status, c.status) << c.message;
    EXPECT_EQ(error.message, c.message);
  }
}

TEST(ParserTest, ResponseFraming) {
  ResponseHead head;
  size_t scanned = 0, size = 0;
  ParseError error;
  ASSERT_EQ(parse_response_head("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", 4096, scanned, false, head,
                                size, error),
            ParseStatus::kComplete);
  EXPECT_EQ(head.body, BodyKind::kChunked);
  scanned = 0;
  ASSERT_EQ(parse_response_head("HTTP/1.0 200 OK\r\n\r\n", 4096, scanned, false, head, size, error),
            ParseStatus::kComplete);
  EXPECT_EQ(head.body, BodyKind::kUntilClose);
  EXPECT_FALSE(head.keep_alive);
  scanned = 0;
  ASSERT_EQ(parse_response_head("HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n", 4096, scanned, false, head,
                                size, error),
            ParseStatus::kComplete);
  EXPECT_EQ(head.body, BodyKind::kNone);
}

TEST(ChunkedDecoderTest, ByteByByte) {
  std::string wire = "4;x=y\r\nWiki\r\n5\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nT: v\r\n\r\n";
  ChunkedDecoder d;
  std::string buffer, body, error;
  bool done = false;
  for (char c : wire) {
    buffer.push_back(c);
    for (;;) {
      size_t consumed = 0;
      std::string_view data;
      auto step = d.next(buffer, consumed, data, error);
      if (step == ChunkedDecoder::Step::kData) body.append(data);
      buffer.erase(0, consumed);
      if (step == ChunkedDecoder::Step::kDone) done = true;
      ASSERT_NE(step, ChunkedDecoder::Step::kError) << error;
      if (step != ChunkedDecoder::Step::kData) break;
    }
  }
  EXPECT_TRUE(done);
  EXPECT_EQ(body, "Wikipedia in\r\n\r\nchunks.");
}

}  // namespace
}  // namespace kthena::http
