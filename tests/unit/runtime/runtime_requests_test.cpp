#include "runtime/runtime_requests.h"

#include <gtest/gtest.h>

namespace kthena::runtime {
namespace {

std::string refusal(std::string_view body) {
  auto r = parse_lora_load_request(body);
  EXPECT_FALSE(r.has_value()) << body;
  return r ? "" : r.error().to_string();
}

TEST(RuntimeRequestsTest, LoraLoadWithDefaults) {
  auto r = parse_lora_load_request(R"({"lora_name":"sql","source":"pvc://a/b","output_dir":"/models/sql"})");
  ASSERT_TRUE(r.has_value()) << r.error().to_string();
  EXPECT_EQ(r->lora_name, "sql");
  EXPECT_EQ(r->download.options.source, "pvc://a/b");
  EXPECT_EQ(r->download.options.output_dir, "/models/sql");
  EXPECT_EQ(r->download.options.max_workers, 8);
  EXPECT_TRUE(r->download.options.config.is_object());
  EXPECT_FALSE(r->download.async_download);
}

TEST(RuntimeRequestsTest, DownloadWithEveryField) {
  auto r = parse_download_request(
      R"({"source":"hf://m","output_dir":"/o","config":{"hf_token":"t"},"max_workers":2,"async_download":true})");
  ASSERT_TRUE(r.has_value()) << r.error().to_string();
  EXPECT_EQ(r->options.config["hf_token"], "t");
  EXPECT_EQ(r->options.max_workers, 2);
  EXPECT_TRUE(r->async_download);
  auto nulls = parse_download_request(R"({"source":"s","output_dir":"o","config":null,"max_workers":null})");
  ASSERT_TRUE(nulls.has_value());
  EXPECT_EQ(nulls->options.max_workers, 8);
}

TEST(RuntimeRequestsTest, RefusalsNameTheFieldOrThePosition) {
  EXPECT_EQ(refusal(R"({"source":"s","output_dir":"o"})"), "lora_name: required");
  EXPECT_EQ(refusal(R"({"lora_name":"x","output_dir":"o"})"), "source: required");
  EXPECT_EQ(refusal(R"({"lora_name":"x","source":"s"})"), "output_dir: required");
  EXPECT_EQ(refusal(R"({"lora_name":"x","source":"","output_dir":"o"})"), "source: must not be empty");
  EXPECT_EQ(refusal(R"({"lora_name":1,"source":"s","output_dir":"o"})"), "lora_name: expected a string");
  EXPECT_EQ(refusal(R"({"lora_name":"x","source":"s","output_dir":"o","max_workers":0})"),
            "max_workers: expected an integer from 1 to 256");
  EXPECT_EQ(refusal(R"({"lora_name":"x","source":"s","output_dir":"o","max_workers":"8"})"),
            "max_workers: expected an integer from 1 to 256");
  EXPECT_EQ(refusal(R"({"lora_name":"x","source":"s","output_dir":"o","async_download":"yes"})"),
            "async_download: expected true or false");
  EXPECT_EQ(refusal(R"({"lora_name":"x","source":"s","output_dir":"o","config":"{}"})"), "config: expected an object");
  EXPECT_EQ(refusal("[1]"), "body: expected a JSON object");
  EXPECT_EQ(refusal(R"({"lora_name":"x","lora_name":"y"})").substr(0, 9), "body:1:18");
  std::string truncated = refusal("{\"lora_name\":\n \"x\"");
  EXPECT_EQ(truncated.substr(0, 7), "body:2:") << truncated;
}

}  // namespace
}  // namespace kthena::runtime
