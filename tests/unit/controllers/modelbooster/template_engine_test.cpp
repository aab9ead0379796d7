#include "controllers/modelbooster/template_engine.h"

#include <gtest/gtest.h>

namespace kthena::controllers::modelbooster {
namespace {

Result<Json> render(const char* tmpl, const TemplateValues& values) {
  return render_template(Json::parse(tmpl), values, "test.yaml");
}

TEST(TemplateEngineTest, AWholePlaceholderTakesTheValuesType) {
  TemplateValues v;
  v.set("OBJ", {{"a", 1}}).set("LIST", Json::array({1, "x"})).set("NUM", 3).set("FLAG", true).set("STR", "s");
  auto out = render(R"({"o": "${OBJ}", "l": "${LIST}", "n": "${NUM}", "b": "${FLAG}", "s": "${STR}"})", v);
  ASSERT_TRUE(out) << out.error().to_string();
  EXPECT_EQ(*out, Json::parse(R"({"o": {"a": 1}, "l": [1, "x"], "n": 3, "b": true, "s": "s"})"));
}

TEST(TemplateEngineTest, NullRemovesTheMemberOrElement) {
  TemplateValues v;
  v.set("NONE", nullptr).set("VOL", {{"name", "v"}});
  auto out = render(R"({"runtimeClassName": "${NONE}", "keep": 1, "volumes": ["${NONE}", "${VOL}"]})", v);
  ASSERT_TRUE(out);
  EXPECT_EQ(*out, Json::parse(R"({"keep": 1, "volumes": [{"name": "v"}]})"));
}

TEST(TemplateEngineTest, NumbersInAListOfStringsBecomeStrings) {
  TemplateValues v;
  v.set("PORT", 8900).set("RATIO", 0.5).set("ON", false);
  auto out = render(R"({"args": ["--port", "${PORT}", "--r", "${RATIO}", "${ON}"],
                        "ports": [{"containerPort": "${PORT}"}], "numbers": ["${PORT}"]})",
                    v);
  ASSERT_TRUE(out);
  EXPECT_EQ(*out, Json::parse(R"({"args": ["--port", "8900", "--r", "0.5", "false"],
                                  "ports": [{"containerPort": 8900}], "numbers": [8900]})"));
}

TEST(TemplateEngineTest, EmbeddedPlaceholdersAreInterpolated) {
  TemplateValues v;
  v.set("NAME", "b1").set("PORT", 8000).set("BIG", 1e6).set("ON", true).set("OBJ", {{"k", "v"}});
  auto out = render(R"json(["${NAME}-vllm-worker", "http://localhost:${PORT}/metrics", "${BIG}|${ON}|${OBJ}",
                        "$(POD_NAME).$(NAMESPACE)", "{print $2}"])json",
                    v);
  ASSERT_TRUE(out);
  EXPECT_EQ(*out, Json::parse(R"json(["b1-vllm-worker", "http://localhost:8000/metrics", "1e+06|true|{\"k\":\"v\"}",
                                  "$(POD_NAME).$(NAMESPACE)", "{print $2}"])json"));
}

TEST(TemplateEngineTest, SubstitutedValuesAreNotExpandedAgain) {
  TemplateValues v;
  v.set("ENV", Json::array({{{"name", "HOME_DIR"}, {"value", "${HOME}"}}})).set("S", "${X}");
  auto out = render(R"({"env": "${ENV}", "s": "a${S}b"})", v);
  ASSERT_TRUE(out) << out.error().to_string();
  EXPECT_EQ(*out, Json::parse(R"({"env": [{"name": "HOME_DIR", "value": "${HOME}"}], "s": "a${X}b"})"));
}

TEST(TemplateEngineTest, UnknownKeysAndUnterminatedPlaceholdersAreErrors) {
  TemplateValues v;
  v.set("A", 1);
  auto unknown = render(R"({"spec": {"roles": [{"replicas": "${MISSING}"}]}})", v);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().to_string(), "spec.roles[0].replicas: template test.yaml: unknown placeholder ${MISSING}");
  auto embedded = render(R"({"s": "x-${NOPE}"})", v);
  ASSERT_FALSE(embedded);
  EXPECT_EQ(embedded.error().to_string(), "s: template test.yaml: unknown placeholder ${NOPE}");
  auto open = render(R"({"s": "x-${A"})", v);
  ASSERT_FALSE(open);
  EXPECT_EQ(open.error().to_string(), R"(s: template test.yaml: no closing } in "x-${A")");
}

}  // namespace
}  // namespace kthena::controllers::modelbooster
