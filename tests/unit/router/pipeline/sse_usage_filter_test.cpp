#include "router/pipeline/sse_usage_filter.h"

#include <gtest/gtest.h>
#include <simdjson.h>

namespace kthena::router {
namespace {

constexpr std::string_view kStream =
    "data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hi\"}}]}\n\n"
    "data: "
    "{\"id\":\"c\",\"choices\":[],\"usage\":{\"prompt_tokens\":35,\"total_tokens\":56,\"completion_tokens\":21}}\n\n"
    "data: [DONE]\n\n";

std::string run(SseUsageFilter& filter, std::string_view stream, size_t piece) {
  std::string out, chunk;
  for (size_t i = 0; i < stream.size(); i += piece) {
    chunk.clear();
    filter.feed(stream.substr(i, piece), chunk);
    out += chunk;
  }
  chunk.clear();
  filter.finish(chunk);
  return out + chunk;
}

TEST(SseUsageFilter, HidesTheInjectedUsageChunkWhateverThePieces) {
  simdjson::dom::parser parser;
  for (size_t piece : {1, 3, 7, 64, 4096}) {
    SseUsageFilter filter(parser, SseUsageFilter::Mode::kAggregated, true);
    std::string out = run(filter, kStream, piece);
    EXPECT_EQ(out,
              "data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hi\"}}]}\n\n"
              "data: [DONE]\n\n")
        << piece;
    EXPECT_TRUE(filter.usage().found);
    EXPECT_EQ(filter.usage().completion_tokens, 21);
    EXPECT_TRUE(filter.saw_done());
  }
}

TEST(SseUsageFilter, KeepsUsageTheClientAskedFor) {
  simdjson::dom::parser parser;
  SseUsageFilter filter(parser, SseUsageFilter::Mode::kAggregated, false);
  EXPECT_EQ(run(filter, kStream, 5), kStream);
  EXPECT_EQ(filter.usage().prompt_tokens, 35);
}

TEST(SseUsageFilter, ContinuousUsageOnContentChunksIsNotDropped) {
  simdjson::dom::parser parser;
  std::string_view stream =
      "data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":1,"
      "\"total_tokens\":2}}\n\ndata: {\"choices\":[],\"usage\":null}\n\n";
  SseUsageFilter filter(parser, SseUsageFilter::Mode::kAggregated, true);
  EXPECT_EQ(run(filter, stream, 9), stream) << "only usage-only chunks are hidden; usage:null is no usage";
}

TEST(SseUsageFilter, DecodeModeAddsCompletionTokensAndDropsInjected) {
  simdjson::dom::parser parser;
  std::string_view stream =
      "data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}],\"usage\":{\"completion_tokens\":2}}\n\n"
      "data: {\"choices\":[],\"usage\":{\"completion_tokens\":3}}\n\ndata: [DONE]\n\n";
  SseUsageFilter filter(parser, SseUsageFilter::Mode::kDecode, true);
  EXPECT_EQ(run(filter, stream, 11), "data: [DONE]\n\n");
  EXPECT_EQ(filter.usage().completion_tokens, 5);
}

TEST(SseUsageFilter, NonStreamingUsage) {
  simdjson::dom::parser parser;
  Usage u = parse_usage(
      parser, R"({"choices":[{"message":{}}],"usage":{"prompt_tokens":30,"total_tokens":40,"completion_tokens":10}})");
  EXPECT_TRUE(u.found);
  EXPECT_EQ(u.completion_tokens, 10);
  EXPECT_FALSE(parse_usage(parser, "not json").found);
}

}  // namespace
}  // namespace kthena::router
