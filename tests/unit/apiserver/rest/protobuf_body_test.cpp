#include "apiserver/rest/protobuf_body.h"

#include <gtest/gtest.h>

namespace kthena::apiserver {
namespace {

std::string from_hex(std::string_view hex) {
  std::string out;
  std::string digits;
  for (char c : hex) {
    if (c != ' ') digits += c;
  }
  for (size_t i = 0; i + 1 < digits.size(); i += 2) {
    out += static_cast<char>(std::stoi(digits.substr(i, 2), nullptr, 16));
  }
  return out;
}

// Length-delimited field `number` holding `bytes`.
std::string field(int number, std::string_view bytes) {
  std::string out;
  out += static_cast<char>(number << 3 | 2);
  out += static_cast<char>(bytes.size());
  out += bytes;
  return out;
}

std::string envelope(std::string_view api_version, std::string_view kind, std::string_view raw) {
  return std::string("k8s\0", 4) + field(1, field(1, api_version) + field(2, kind)) + field(2, raw) + field(3, "") +
         field(4, "");
}

TEST(ProtobufBodyTest, DecodesTheBytesKubectlCreateConfigmapSends) {
  // kubectl 1.32: create configmap cm2 --from-literal=k=v (kubectl-protocol.md §12).
  auto body = from_hex(
      "6b387300 0a0f 0a027631 1209436f6e6669674d6170 121d 0a13 0a03636d32 1200 1a00 2200 2a00 3200 3800 4200 1206 "
      "0a016b 120176 1a00 2200");
  auto object = decode_protobuf_body(body);
  ASSERT_TRUE(object) << object.error().message;
  EXPECT_EQ(*object,
            Json::parse(R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm2"},"data":{"k":"v"}})"));
}

TEST(ProtobufBodyTest, DecodesSecretsAndNamespaces) {
  std::string meta = field(1, "s1") + field(3, "team") + field(11, field(1, "app") + field(2, "x"));
  std::string secret = field(1, meta) + field(2, field(1, "pw") + field(2, "hi!")) + field(3, "");
  auto decoded = decode_protobuf_body(envelope("v1", "Secret", secret));
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_EQ(*decoded, Json::parse(R"({"apiVersion":"v1","kind":"Secret",
      "metadata":{"name":"s1","namespace":"team","labels":{"app":"x"}},"data":{"pw":"aGkh"}})"));

  std::string ns = field(1, field(1, "team")) + field(2, field(1, "kubernetes")) + field(3, "");
  auto namespace_object = decode_protobuf_body(envelope("v1", "Namespace", ns));
  ASSERT_TRUE(namespace_object);
  EXPECT_EQ(*namespace_object, Json::parse(R"({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"team"},
      "spec":{"finalizers":["kubernetes"]}})"));
}

TEST(ProtobufBodyTest, MalformedBodiesAreBadRequestsWithAPosition) {
  auto good = from_hex(
      "6b387300 0a0f 0a027631 1209436f6e6669674d6170 121d 0a13 0a03636d32 1200 1a00 2200 2a00 3200 "
      "3800 4200 1206 0a016b 120176 1a00 2200");
  auto truncated = decode_protobuf_body(good.substr(0, 30));
  ASSERT_FALSE(truncated);
  EXPECT_EQ(truncated.error().code, ErrorCode::kBadRequest);
  EXPECT_NE(truncated.error().message.find("truncated at byte"), std::string::npos) << truncated.error().message;
  EXPECT_FALSE(decode_protobuf_body("{\"kind\":\"ConfigMap\"}"));
  auto pod = decode_protobuf_body(envelope("v1", "Pod", ""));
  ASSERT_FALSE(pod);
  EXPECT_NE(pod.error().message.find("\"Pod\""), std::string::npos);
}

}  // namespace
}  // namespace kthena::apiserver
