// The Hugging Face, ModelScope and S3 sources against a local server that answers as the real APIs do (the test
// machines reach no hub): listing, redirects, tokens, signed requests, skip-if-present, and the errors of an
// unreachable endpoint, a missing repo and missing credentials.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "downloader/download_tuning.h"
#include "test_dir.h"
#include "test_http_server.h"

namespace kthena::downloader {
namespace {

using testing::make_response;
using testing::read_file;
using testing::Request;
using testing::Response;
using testing::TestDir;
using testing::TestHttpServer;

struct Outcome {
  Result<void> result;
  std::vector<std::string> lines;
};

Outcome run(const std::string& source, const std::filesystem::path& out, Json config, bool dry_run = false) {
  DownloadOptions options;
  options.source = source;
  options.output_dir = out;
  options.config = std::move(config);
  options.max_workers = 3;
  options.dry_run = dry_run;
  DownloadTuning tuning;
  tuning.env = [](std::string_view) { return std::nullopt; };
  tuning.web.connect_timeout = std::chrono::seconds(5);
  tuning.web.read_timeout = std::chrono::seconds(5);
  Outcome r;
  r.result = download(
      options, [&](const std::string& line) { r.lines.push_back(line); }, tuning);
  return r;
}

std::string target_path(const Request& r) {
  std::string t(r.target());
  return t.substr(0, t.find('?'));
}

// The Hugging Face API for repo "org/model" at commit abc123: three files, one of them behind a redirect to another
// path (as resolve/ redirects to the CDN), one in a subfolder.
const std::map<std::string, std::string> kHfFiles = {
    {"config.json", "{\"model_type\": \"llama\"}"},
    {"model.safetensors", std::string(300000, 'w')},
    {"tokenizer/vocab.txt", "a\nb\nc\n"},
};

Response hf_api(const Request& r) {
  std::string path = target_path(r);
  if (path == "/api/models/org/model/revision/main") {
    Json siblings = Json::array();
    for (const auto& [name, content] : kHfFiles) siblings.push_back({{"rfilename", name}, {"size", content.size()}});
    return make_response(200, Json{{"id", "org/model"}, {"sha", "abc123"}, {"siblings", siblings}}.dump());
  }
  if (path == "/org/model/resolve/abc123/model.safetensors") {
    Response redirect = make_response(302, "");
    redirect.set(boost::beast::http::field::location, "/cdn/blob-1");
    return redirect;
  }
  if (path == "/cdn/blob-1") return make_response(200, kHfFiles.at("model.safetensors"), "application/octet-stream");
  const std::string prefix = "/org/model/resolve/abc123/";
  if (path.starts_with(prefix)) {
    auto it = kHfFiles.find(path.substr(prefix.size()));
    if (it != kHfFiles.end()) return make_response(200, it->second, "application/octet-stream");
  }
  Response missing = make_response(404, "{\"error\":\"Repository not found\"}");
  missing.set("X-Error-Message", "Repository not found");
  return missing;
}

TEST(HubDownload, HuggingFaceRepoIsListedThenFetched) {
  TestHttpServer server(&hf_api);
  TestDir dir;
  Outcome r = run("hf://org/model", dir.path() / "out", Json{{"hf_endpoint", server.base_url()}, {"hf_token", "t0k"}});
  ASSERT_TRUE(r.result) << r.result.error().to_string();
  for (const auto& [name, content] : kHfFiles) EXPECT_EQ(read_file(dir.path() / "out" / name), content) << name;
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "out" / ".lock"));
  for (const Request& req : server.requests()) {
    EXPECT_EQ(req["Authorization"], "Bearer t0k") << req.target();  // same host: the redirect keeps the token
  }
}

TEST(HubDownload, SecondRunFetchesOnlyTheListing) {
  TestHttpServer server(&hf_api);
  TestDir dir;
  Json config{{"hf_endpoint", server.base_url()}};
  ASSERT_TRUE(run("org/model", dir.path(), config).result);  // a bare repo id is a Hugging Face repo
  size_t first = server.requests().size();
  Outcome again = run("hf://org/model", dir.path(), config);
  ASSERT_TRUE(again.result) << again.result.error().to_string();
  EXPECT_EQ(server.requests().size(), first + 1);
}

TEST(HubDownload, DryRunListsAndWritesNothing) {
  TestHttpServer server(&hf_api);
  TestDir dir;
  Outcome r = run("hf://org/model", dir.path() / "out", Json{{"hf_endpoint", server.base_url()}}, true);
  ASSERT_TRUE(r.result) << r.result.error().to_string();
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "out"));
  EXPECT_EQ(server.requests().size(), 1u);
  int would = 0;
  for (const std::string& line : r.lines) would += line.starts_with("would fetch ");
  EXPECT_EQ(would, 3);
}

TEST(HubDownload, MissingRepoNamesTheSourceAndTheStatus) {
  TestHttpServer server(&hf_api);
  TestDir dir;
  Outcome r = run("hf://org/other", dir.path(), Json{{"hf_endpoint", server.base_url()}});
  ASSERT_FALSE(r.result);
  std::string message = r.result.error().to_string();
  EXPECT_TRUE(message.starts_with("hf://org/other: ")) << message;
  EXPECT_NE(message.find("HTTP 404: Repository not found"), std::string::npos) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos);
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));  // listed before the lock: nothing created
}

TEST(HubDownload, UnreachableEndpointIsOneLine) {
  TestDir dir;
  std::string endpoint = "http://127.0.0.1:" + std::to_string(testing::closed_port());
  Outcome r = run("hf://org/model", dir.path(), Json{{"hf_endpoint", endpoint}});
  ASSERT_FALSE(r.result);
  std::string message = r.result.error().to_string();
  EXPECT_TRUE(message.starts_with("hf://org/model: ")) << message;
  EXPECT_NE(message.find("cannot reach 127.0.0.1"), std::string::npos) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos);
  EXPECT_TRUE(r.lines.empty()) << ::testing::PrintToString(r.lines);
}

TEST(HubDownload, ListingWithAnEscapingNameIsRefused) {
  TestHttpServer server([](const Request&) {
    return make_response(200, R"({"sha":"abc","siblings":[{"rfilename":"../../etc/passwd"}]})");
  });
  TestDir dir;
  Outcome r = run("hf://org/model", dir.path() / "out", Json{{"hf_endpoint", server.base_url()}});
  ASSERT_FALSE(r.result);
  EXPECT_NE(r.result.error().message.find("unsafe file name"), std::string::npos) << r.result.error().to_string();
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "etc"));
}

TEST(HubDownload, ModelScopeRepoIsListedThenFetched) {
  TestHttpServer server([](const Request& r) {
    std::string target(r.target());
    if (target_path(r) == "/api/v1/models/org/model/repo/files") {
      return make_response(200, R"({"Code":200,"Data":{"Files":[
        {"Path":"sub","Type":"tree","Size":0},
        {"Path":"sub/a.txt","Type":"blob","Size":3},
        {"Path":"config.json","Type":"blob","Size":2}]},"Success":true})");
    }
    if (target == "/api/v1/models/org/model/repo?Revision=master&FilePath=sub%2Fa.txt")
      return make_response(200, "aaa");
    if (target == "/api/v1/models/org/model/repo?Revision=master&FilePath=config.json") return make_response(200, "{}");
    return make_response(404, "{}");
  });
  TestDir dir;
  Outcome r = run("ms://org/model", dir.path(), Json{{"ms_endpoint", server.base_url()}, {"ms_token", "m"}});
  ASSERT_TRUE(r.result) << r.result.error().to_string();
  EXPECT_EQ(read_file(dir.path() / "sub/a.txt"), "aaa");
  EXPECT_EQ(read_file(dir.path() / "config.json"), "{}");
  EXPECT_EQ(server.requests().front()["Authorization"], "Bearer m");
}

TEST(S3Download, MissingCredentialsNameTheKeys) {
  TestDir dir;
  Outcome r = run("obs://bucket/models/x", dir.path() / "out", Json{{"access_key", "only-this"}});
  ASSERT_FALSE(r.result);
  std::string message = r.result.error().to_string();
  EXPECT_TRUE(message.starts_with("obs://bucket/models/x: Missing credentials")) << message;
  EXPECT_NE(message.find("access_key and secret_key"), std::string::npos);
  EXPECT_NE(message.find("ACCESS_KEY and SECRET_KEY"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "out"));  // failed before touching the cache
}

TEST(S3Download, PagedListingAndSignedGets) {
  TestHttpServer server([](const Request& r) {
    std::string target(r.target());
    if (r["Authorization"].find("AWS4-HMAC-SHA256 Credential=AK/") != 0 || r["x-amz-date"].empty()) {
      return make_response(403, "<Error><Code>AccessDenied</Code></Error>", "application/xml");
    }
    if (target == "/bucket?list-type=2&prefix=models%2Fllama%2F") {
      return make_response(200, R"(<?xml version="1.0"?><ListBucketResult>
        <Contents><Key>models/llama/</Key><Size>0</Size></Contents>
        <Contents><Key>models/llama/a&amp;b.txt</Key><Size>2</Size></Contents>
        <IsTruncated>true</IsTruncated><NextContinuationToken>next+1</NextContinuationToken></ListBucketResult>)",
                           "application/xml");
    }
    if (target == "/bucket?continuation-token=next%2B1&list-type=2&prefix=models%2Fllama%2F") {
      return make_response(200, R"(<ListBucketResult><Contents><Key>models/llama/w/x.bin</Key><Size>4</Size>
        </Contents><IsTruncated>false</IsTruncated></ListBucketResult>)",
                           "application/xml");
    }
    if (target == "/bucket/models/llama/a%26b.txt") return make_response(200, "ab");
    if (target == "/bucket/models/llama/w/x.bin") return make_response(200, "wxyz");
    return make_response(404, "<Error><Code>NoSuchKey</Code></Error>", "application/xml");
  });
  TestDir dir;
  Outcome r = run("s3://bucket/models/llama", dir.path(),
                  Json{{"access_key", "AK"}, {"secret_key", "SK"}, {"endpoint", server.base_url()}});
  ASSERT_TRUE(r.result) << r.result.error().to_string();
  EXPECT_EQ(read_file(dir.path() / "a&b.txt"), "ab");
  EXPECT_EQ(read_file(dir.path() / "w/x.bin"), "wxyz");
}

TEST(S3Download, UnreachableEndpointIsOneLine) {
  TestDir dir;
  std::string endpoint = "http://127.0.0.1:" + std::to_string(testing::closed_port());
  Outcome r = run("s3://bucket/m", dir.path(), Json{{"access_key", "a"}, {"secret_key", "s"}, {"endpoint", endpoint}});
  ASSERT_FALSE(r.result);
  EXPECT_NE(r.result.error().to_string().find("cannot reach 127.0.0.1"), std::string::npos)
      << r.result.error().to_string();
}

}  // namespace
}  // namespace kthena::downloader
