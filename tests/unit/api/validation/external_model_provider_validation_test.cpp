// Every rule of the ExternalModelProvider webhook (spec kthena-router.md §1.4).
#include <gtest/gtest.h>

#include "api/validation/external_model_provider_validation.h"
#include "unit/api/validation/webhook_case.h"

namespace kthena::api::testing {
namespace {

Json base() {
  return Json::parse(R"({
    "apiVersion": "networking.serving.volcano.sh/v1alpha1", "kind": "ExternalModelProvider",
    "metadata": {"name": "openai", "namespace": "default"},
    "spec": {"providerType": "OpenAI", "baseURL": "https://api.openai.com/v1", "insecureSkipVerify": false,
      "auth": {"scheme": "Bearer", "secretRef": {"name": "openai-key", "key": "token"}},
      "headers": {"OpenAI-Organization": "org-1"}}})");
}

class ExternalModelProviderWebhook : public ::testing::TestWithParam<WebhookCase> {};

TEST_P(ExternalModelProviderWebhook, Rule) {
  run_case("networking.serving.volcano.sh", "ExternalModelProvider", base(), GetParam());
}

INSTANTIATE_TEST_SUITE_P(
    ExternalModelProvider, ExternalModelProviderWebhook,
    ::testing::ValuesIn(std::vector<WebhookCase>{
        {"valid provider", {}, {}},
        {"anthropic without auth", {{"/spec/providerType", "Anthropic"}, {"/spec/auth", removed()}}, {}},
        {"unknown provider type",
         {{"/spec/providerType", "Gemini"}},
         {"spec.providerType: Unsupported value: \"Gemini\": supported values: \"OpenAI\", \"Anthropic\""}},
        {"base URL with port and path", {{"/spec/baseURL", "https://gateway.example.com:8443/openai/v1"}}, {}},
        {"plain http base URL",
         {{"/spec/baseURL", "http://api.openai.com/v1"}},
         {"spec.baseURL: Invalid value: \"http://api.openai.com/v1\": baseURL must use https"}},
        {"base URL without host", {{"/spec/baseURL", "https:///v1"}}, {"baseURL must use https"}},
        {"base URL with a bad port", {{"/spec/baseURL", "https://host:abc/v1"}}, {"baseURL must use https"}},
        {"base URL with userinfo",
         {{"/spec/baseURL", "https://user:pw@api.openai.com/v1"}},
         {"spec.baseURL: Invalid value: \"https://user:pw@api.openai.com/v1\": baseURL must not contain userinfo, "
          "query, or fragment"}},
        {"base URL with query",
         {{"/spec/baseURL", "https://api.openai.com/v1?x=1"}},
         {"must not contain userinfo, query, or fragment"}},
        {"base URL with fragment",
         {{"/spec/baseURL", "https://api.openai.com/v1#x"}},
         {"must not contain userinfo, query, or fragment"}},
        {"invalid header name",
         {{"/spec/headers", {{"Bad Header", "x"}}}},
         {"spec.headers[Bad Header]: Invalid value: \"Bad Header\": header name is invalid"}},
        {"reserved header",
         {{"/spec/headers", {{"authorization", "Bearer x"}}}},
         {"spec.headers[authorization]: Invalid value: \"authorization\": header is reserved and cannot be configured "
          "as a static header"}},
        {"header value with CRLF",
         {{"/spec/headers", {{"X-Trace", "a\r\nInjected: 1"}}}},
         {"spec.headers[X-Trace]: Invalid value: \"a\\r\\nInjected: 1\": header value is invalid"}},
        {"header value with a tab", {{"/spec/headers", {{"X-Trace", "a\tb"}}}}, {}},
        {"unknown auth scheme",
         {{"/spec/auth/scheme", "Basic"}},
         {"spec.auth.scheme: Unsupported value: \"Basic\": supported values: \"Bearer\", \"APIKey\""}},
        {"default auth scheme", {{"/spec/auth/scheme", removed()}}, {}},
        {"secret without name",
         {{"/spec/auth/secretRef/name", ""}},
         {"spec.auth.secretRef.name: Required value: secret name is required"}},
        {"secret without key",
         {{"/spec/auth/secretRef/key", removed()}},
         {"spec.auth.secretRef.key: Required value: secret key is required"}},
        {"optional secret",
         {{"/spec/auth/secretRef/optional", true}},
         {"spec.auth.secretRef.optional: Invalid value: true: optional must be false or unset"}},
        {"explicitly required secret", {{"/spec/auth/secretRef/optional", false}}, {}},
    }),
    param_name);

TEST(ReservedProviderHeaders, AreMatchedWithoutCase) {
  EXPECT_TRUE(is_reserved_provider_header("x-api-key"));
  EXPECT_TRUE(is_reserved_provider_header("TE"));
  EXPECT_TRUE(is_reserved_provider_header("Transfer-Encoding"));
  EXPECT_FALSE(is_reserved_provider_header("X-Trace"));
  EXPECT_FALSE(is_reserved_provider_header("TEX"));
}

}  // namespace
}  // namespace kthena::api::testing
