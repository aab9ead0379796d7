// Secrets and ConfigMaps as kube-apiserver's registry treats them: stringData lands in data, and `immutable: true`
// freezes the data for good.
#include <gtest/gtest.h>

#include "api/admission.h"
#include "unit/api/validation/webhook_case.h"

namespace kthena::api::testing {
namespace {

Result<Admitted> admit_json(const char* manifest, const Json* old = nullptr) {
  return admit(KindRegistry::builtin(), Json::parse(manifest), old);
}

TEST(SecretRules, StringDataIsMergedIntoDataAndNotStored) {
  auto admitted = admit_json(R"({"apiVersion": "v1", "kind": "Secret",
    "metadata": {"name": "s", "namespace": "default"},
    "data": {"kept": "a2VwdA==", "both": "b2xk"},
    "stringData": {"token": "s3cr3t", "both": "new"}})");
  ASSERT_TRUE(admitted) << admitted.error().to_string();
  EXPECT_EQ(render(admitted->errors), "");
  const Json& out = admitted->object;
  EXPECT_FALSE(out.contains("stringData"));
  EXPECT_EQ(out["data"]["token"], "czNjcjN0");  // base64("s3cr3t")
  EXPECT_EQ(out["data"]["both"], "bmV3");       // stringData wins, as in Kubernetes
  EXPECT_EQ(out["data"]["kept"], "a2VwdA==");
  EXPECT_EQ(out["type"], "Opaque");
}

TEST(SecretRules, AStringDataOfTheWrongShapeIsRefusedWithItsPath) {
  auto admitted = admit_json(R"({"apiVersion": "v1", "kind": "Secret",
    "metadata": {"name": "s", "namespace": "default"}, "stringData": {"n": 5}})");
  ASSERT_TRUE(admitted);
  EXPECT_NE(render(admitted->errors).find("stringData[n]: Invalid value"), std::string::npos)
      << render(admitted->errors);
}

TEST(SecretRules, AnImmutableSecretKeepsItsDataAndStaysImmutable) {
  Json old = Json::parse(R"({"apiVersion": "v1", "kind": "Secret", "immutable": true, "type": "Opaque",
    "metadata": {"name": "s", "namespace": "default"}, "data": {"a": "YQ=="}})");
  auto same = admit_json(R"({"apiVersion": "v1", "kind": "Secret", "immutable": true,
    "metadata": {"name": "s", "namespace": "default"}, "data": {"a": "YQ=="}})",
                         &old);
  ASSERT_TRUE(same);
  EXPECT_EQ(render(same->errors), "");
  auto edited = admit_json(R"({"apiVersion": "v1", "kind": "Secret", "immutable": true,
    "metadata": {"name": "s", "namespace": "default"}, "stringData": {"a": "b"}})",
                           &old);
  ASSERT_TRUE(edited);
  EXPECT_NE(render(edited->errors).find("data: Forbidden: field is immutable when `immutable` is set"),
            std::string::npos)
      << render(edited->errors);
  auto thawed = admit_json(R"({"apiVersion": "v1", "kind": "Secret", "immutable": false,
    "metadata": {"name": "s", "namespace": "default"}, "data": {"a": "YQ=="}})",
                           &old);
  ASSERT_TRUE(thawed);
  EXPECT_NE(render(thawed->errors).find("immutable: Forbidden"), std::string::npos) << render(thawed->errors);
}

TEST(SecretRules, TheTypeNeverChanges) {
  Json old = Json::parse(R"({"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
    "metadata": {"name": "s", "namespace": "default"}})");
  auto changed = admit_json(R"({"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/tls",
    "metadata": {"name": "s", "namespace": "default"}})",
                            &old);
  ASSERT_TRUE(changed);
  EXPECT_NE(render(changed->errors).find("type: Invalid value: \"kubernetes.io/tls\": field is immutable"),
            std::string::npos)
      << render(changed->errors);
}

TEST(ConfigMapRules, AnImmutableConfigMapKeepsItsData) {
  Json old = Json::parse(R"({"apiVersion": "v1", "kind": "ConfigMap", "immutable": true,
    "metadata": {"name": "c", "namespace": "default"}, "data": {"k": "v"}})");
  auto edited = admit_json(R"({"apiVersion": "v1", "kind": "ConfigMap", "immutable": true,
    "metadata": {"name": "c", "namespace": "default"}, "data": {"k": "w"}})",
                           &old);
  ASSERT_TRUE(edited);
  EXPECT_NE(render(edited->errors).find("data: Forbidden: field is immutable when `immutable` is set"),
            std::string::npos)
      << render(edited->errors);
  Json mutable_old = old;
  mutable_old["immutable"] = false;
  auto free_edit = admit_json(R"({"apiVersion": "v1", "kind": "ConfigMap", "immutable": true,
    "metadata": {"name": "c", "namespace": "default"}, "data": {"k": "w"}})",
                              &mutable_old);
  ASSERT_TRUE(free_edit);
  EXPECT_EQ(render(free_edit->errors), "");
}

}  // namespace
}  // namespace kthena::api::testing
