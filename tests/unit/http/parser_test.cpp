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
  ASSERT_EQ(parse_request_head("GET / HTTP/1.1\nConnection: Upgrade, close\n\n", 4096, scanned, head, size, error),
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
