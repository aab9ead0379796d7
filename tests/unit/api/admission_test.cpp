#include "api/admission.h"

#include <gtest/gtest.h>

#include "api/codec/yaml_decoder.h"
#include "unit/api/conformance_dir.h"

namespace kthena::api {
namespace {

Json yaml(std::string_view text) {
  auto v = decode_document(text, "t.yaml");
  EXPECT_TRUE(v.has_value()) << v.error().to_string();
  return v ? *v : Json();
}

std::vector<std::string> texts(const FieldErrors& errs) {
  std::vector<std::string> out;
  for (const FieldError& e : errs) out.push_back(e.to_string());
  return out;
}

constexpr std::string_view kModelServing = R"(
apiVersion: workload.serving.volcano.sh/v1alpha1
kind: ModelServing
metadata: {name: demo, namespace: default}
spec:
  replicas: 2
  template:
    roles:
      - name: decode
        workerReplicas: 0
        entryTemplate:
          spec:
            containers: [{name: engine, image: vllm/vllm-openai:latest}]
)";

TEST(Admission, AdmitsAndDefaults) {
  auto r = admit(KindRegistry::builtin(), yaml(kModelServing), nullptr);
  ASSERT_TRUE(r.has_value()) << r.error().to_string();
  EXPECT_TRUE(r->ok()) << ::testing::PrintToString(texts(r->errors));
  EXPECT_EQ(r->kind->kind, "ModelServing");
  EXPECT_EQ(r->object["spec"]["template"]["roles"][0]["replicas"], 1);  // schema default
}

TEST(Admission, ReportsEveryErrorAtOnce) {
  Json ms = yaml(kModelServing);
  ms["spec"]["replicas"] = -1;
  ms["metadata"]["name"] = "Bad_Name";
  ms["spec"]["template"]["roles"][0]["name"] = "a-very-long-role-name";
  auto r = admit(KindRegistry::builtin(), ms, nullptr);
  ASSERT_TRUE(r.has_value());
  auto errs = texts(r->errors);
  auto has = [&](std::string_view s) {
    for (const auto& e : errs) {
      if (e == s) return true;
    }
    return false;
  };
  EXPECT_TRUE(has("spec.template.roles[0].name: Too long: may not be more than 12 bytes"))
      << ::testing::PrintToString(errs);
  EXPECT_TRUE(has("spec.replicas: Invalid value: -1: should be a non-negative integer"))
      << ::testing::PrintToString(errs);
  bool name_error = false;
  for (const auto& e : errs) name_error = name_error || e.rfind("metadata.name: Invalid value: \"Bad_Name\"", 0) == 0;
  EXPECT_TRUE(name_error);
}

TEST(Admission, UnknownFields) {
  Json ms = yaml(kModelServing);
  ms["spec"]["foo"] = 1;
  ms["spec"]["template"]["roles"][0]["bar"] = true;
  auto strict = admit(KindRegistry::builtin(), ms, nullptr);
  ASSERT_FALSE(strict.has_value());
  EXPECT_EQ(strict.error().code, ErrorCode::kBadRequest);
  EXPECT_EQ(strict.error().message,
            "ModelServing in version \"v1alpha1\" cannot be handled as a ModelServing: strict decoding error: unknown "
            "field \"spec.template.roles[0].bar\", unknown field \"spec.foo\"");  // document order
  AdmissionOptions warn;
  warn.field_validation = FieldValidation::kWarn;
  auto warned = admit(KindRegistry::builtin(), ms, nullptr, warn);
  ASSERT_TRUE(warned.has_value());
  EXPECT_TRUE(warned->ok());
  EXPECT_EQ(warned->warnings(),
            (std::vector<std::string>{"unknown field \"spec.template.roles[0].bar\"", "unknown field \"spec.foo\""}));
  EXPECT_FALSE(warned->object["spec"].contains("foo"));
}

TEST(Admission, KindErrors) {
  auto unknown =
      admit(KindRegistry::builtin(), yaml("{apiVersion: gateway.networking.k8s.io/v1, kind: Gateway}"), nullptr);
  ASSERT_FALSE(unknown.has_value());
  EXPECT_EQ(unknown.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(unknown.error().message, "no kind \"Gateway\" is registered for version \"gateway.networking.k8s.io/v1\"");
  auto no_kind = admit(KindRegistry::builtin(), yaml("{apiVersion: v1}"), nullptr);
  ASSERT_FALSE(no_kind.has_value());
  EXPECT_EQ(no_kind.error().message, "Object 'Kind' is missing");
  EXPECT_FALSE(admit(KindRegistry::builtin(), Json::array(), nullptr).has_value());
}

TEST(Admission, ServerModeRequiresNamespaceAndName) {
  Json ms = yaml(kModelServing);
  ms["metadata"].erase("namespace");
  ms["metadata"].erase("name");
  AdmissionOptions server;
  server.server = true;
  auto r = admit(KindRegistry::builtin(), ms, nullptr, server);
  ASSERT_TRUE(r.has_value());
  auto errs = texts(r->errors);
  ASSERT_GE(errs.size(), 2u);
  EXPECT_EQ(errs[0], "metadata.name: Required value: name or generateName is required");
  EXPECT_EQ(errs[1], "metadata.namespace: Required value");
}

TEST(Admission, UpdateRules) {
  Json old = yaml(kModelServing);
  Json now = old;
  now["metadata"]["name"] = "renamed";
  auto r = admit(KindRegistry::builtin(), now, &old);
  ASSERT_TRUE(r.has_value());
  bool immutable = false;
  for (const auto& e : texts(r->errors))
    immutable = immutable || e == "metadata.name: Invalid value: \"renamed\": field is immutable";
  EXPECT_TRUE(immutable) << ::testing::PrintToString(texts(r->errors));
}

// Every upstream manifest of a kind kthena serves passes admission, strictly (no unknown fields either).
TEST(Admission, EveryConformanceExampleOfOurKindsIsValid) {
  auto root = testing::conformance_dir() / "kthena";
  KTHENA_REQUIRE_CONFORMANCE(root);
  // Upstream examples that a real API server rejects too, with the reason.
  const std::map<std::string, std::string> kKnownInvalid = {
      {"v0.2.0/examples/model-serving/gpu-pd-disaggregation.yaml",
       "metadata.name \"PD-sample\" has capitals, which no Kubernetes name may have"},
  };
  size_t admitted = 0;
  for (const char* dir : {"HEAD/examples", "HEAD/test/e2e", "v0.2.0/examples"}) {
    for (const auto& path : testing::files_under(root / dir, {".yaml", ".yml"})) {
      std::string rel = std::filesystem::relative(path, root).string();
      auto docs = decode_documents(testing::read_file(path), rel);
      ASSERT_TRUE(docs.has_value()) << docs.error().to_string();
      for (const Document& d : *docs) {
        if (!d.value.is_object()) continue;
        auto r = admit(KindRegistry::builtin(), d.value, nullptr);
        if (!r && r.error().code == ErrorCode::kNotFound) continue;  // Deployments, Gateways, ...
        ASSERT_TRUE(r.has_value()) << rel << ":" << d.line << ": " << r.error().to_string();
        if (kKnownInvalid.count(rel)) {
          EXPECT_FALSE(r->ok()) << rel << " was expected to be invalid: " << kKnownInvalid.at(rel);
          continue;
        }
        EXPECT_TRUE(r->ok()) << rel << ":" << d.line << ": " << ::testing::PrintToString(texts(r->errors));
        ++admitted;
      }
    }
  }
  EXPECT_GT(admitted, 100u);
}

}  // namespace
}  // namespace kthena::api
