#include "api/values/object_meta_validation.h"

#include <gtest/gtest.h>

namespace kthena::api {
namespace {

std::vector<std::string> texts(const FieldErrors& errs) {
  std::vector<std::string> out;
  for (const auto& e : errs) out.push_back(e.to_string());
  return out;
}

TEST(ObjectMetaValidation, AcceptsAValidObject) {
  Json meta = Json::parse(R"({"name":"llm-1","namespace":"default","labels":{"app.kubernetes.io/name":"x"},
    "annotations":{"Example.com/Note":"anything at all"},"finalizers":["example.com/cleanup"],
    "ownerReferences":[{"apiVersion":"v1","kind":"Pod","name":"p","uid":"u","controller":true}]})");
  EXPECT_TRUE(validate_object_meta(meta, {}).empty());
}

TEST(ObjectMetaValidation, ReportsEveryProblem) {
  Json meta = Json::parse(R"({"name":"Bad_Name","namespace":"Default","generation":-1,"labels":{"a":"b c"},
    "ownerReferences":[{"apiVersion":"apps/","kind":"","name":"x","uid":"1"}],"finalizers":["orphan","foregroundDeletion"]})");
  auto errs = texts(validate_object_meta(meta, {}));
  ASSERT_EQ(errs.size(), 7u) << ::testing::PrintToString(errs);
  EXPECT_EQ(errs[0].rfind("metadata.name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain", 0), 0u);
  EXPECT_EQ(errs[1].rfind("metadata.namespace: Invalid value: \"Default\": a lowercase RFC 1123 label", 0), 0u);
  EXPECT_EQ(errs[2], "metadata.generation: Invalid value: -1: must be greater than or equal to 0");
  EXPECT_EQ(errs[3].rfind("metadata.labels: Invalid value: \"b c\": a valid label", 0), 0u);
  EXPECT_EQ(errs[4], "metadata.ownerReferences.apiVersion: Invalid value: \"apps/\": version must not be empty");
  EXPECT_EQ(errs[5], "metadata.ownerReferences.kind: Invalid value: \"\": kind must not be empty");
  EXPECT_EQ(
      errs[6].rfind("metadata.finalizers: Invalid value: [\"orphan\",\"foregroundDeletion\"]: finalizer orphan", 0),
      0u);
}

TEST(ObjectMetaValidation, NamesAndScopes) {
  EXPECT_EQ(texts(validate_object_meta(Json::object(), {})),
            std::vector<std::string>{"metadata.name: Required value: name or generateName is required"});
  ObjectMetaOptions offline;
  offline.require_name = false;
  EXPECT_TRUE(validate_object_meta(Json{{"generateName", "job-"}}, offline).empty());
  ObjectMetaOptions cluster;
  cluster.namespaced = false;
  EXPECT_EQ(texts(validate_object_meta(Json{{"name", "n"}, {"namespace", "x"}}, cluster)),
            std::vector<std::string>{"metadata.namespace: Forbidden: not allowed on this type"});
  ObjectMetaOptions server;
  server.require_namespace = true;
  EXPECT_EQ(texts(validate_object_meta(Json{{"name", "n"}}, server)),
            std::vector<std::string>{"metadata.namespace: Required value"});
  ObjectMetaOptions dns1035;
  dns1035.name_validator = &name_is_dns1035_label;
  EXPECT_EQ(validate_object_meta(Json{{"name", "1abc"}}, dns1035).size(), 1u);
}

TEST(ObjectMetaValidation, AnnotationBudget) {
  Json meta = {{"name", "n"}, {"annotations", {{"a", std::string(kTotalAnnotationSizeLimit, 'x')}}}};
  EXPECT_EQ(texts(validate_object_meta(meta, {})),
            std::vector<std::string>{"metadata.annotations: Too long: may not be more than 262144 bytes"});
}

TEST(ObjectMetaValidation, Update) {
  Json old_meta = {{"name", "a"}, {"uid", "1"}};
  EXPECT_TRUE(validate_object_meta_update(old_meta, old_meta).empty());
  EXPECT_EQ(texts(validate_object_meta_update({{"name", "b"}, {"uid", "1"}}, old_meta)),
            std::vector<std::string>{"metadata.name: Invalid value: \"b\": field is immutable"});
}

}  // namespace
}  // namespace kthena::api
