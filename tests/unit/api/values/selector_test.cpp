#include "api/values/selector.h"

#include <gtest/gtest.h>

namespace kthena::api {
namespace {

Selector labels(std::string_view s) {
  auto r = Selector::parse_labels(s);
  EXPECT_TRUE(r.has_value()) << s << ": " << (r ? "" : r.error().message);
  return r ? *r : Selector::nothing();
}

std::string label_error(std::string_view s) {
  auto r = Selector::parse_labels(s);
  EXPECT_FALSE(r.has_value()) << s;
  return r ? "" : r.error().message;
}

TEST(Selector, ParsesLabelSyntax) {
  Selector s = labels("a=b,c!=d,e in (x,y),f notin (z),g,!h,i==j");
  EXPECT_EQ(s.to_string(), "a=b,c!=d,e in (x,y),f notin (z),g,!h,i==j");
  EXPECT_EQ(labels("z=1, a = 2").to_string(), "a=2,z=1");
  EXPECT_EQ(labels("a in (y, x, x)").to_string(), "a in (x,y)");
  EXPECT_EQ(labels("a=").to_string(), "a=");
  EXPECT_EQ(labels("x>5").to_string(), "x>5");
  EXPECT_TRUE(labels("").matches_everything());
}

TEST(Selector, MatchesLabels) {
  Json l = {{"app", "web"}, {"tier", "front"}, {"n", "7"}};
  EXPECT_TRUE(labels("app=web").matches_labels(l));
  EXPECT_FALSE(labels("app=db").matches_labels(l));
  EXPECT_TRUE(labels("app!=db").matches_labels(l));
  EXPECT_TRUE(labels("missing!=x").matches_labels(l));
  EXPECT_FALSE(labels("missing=x").matches_labels(l));
  EXPECT_TRUE(labels("app in (web,db),tier").matches_labels(l));
  EXPECT_TRUE(labels("app notin (db),!missing").matches_labels(l));
  EXPECT_FALSE(labels("!app").matches_labels(l));
  EXPECT_TRUE(labels("n>5,n<8").matches_labels(l));
  EXPECT_FALSE(labels("n>7").matches_labels(l));
  EXPECT_TRUE(labels("").matches_labels(Json()));
  EXPECT_FALSE(Selector::nothing().matches_labels(l));
}

TEST(Selector, LabelParseErrors) {
  EXPECT_EQ(label_error("a in (x"), "unable to parse requirement: found '', expected: ',' or ')'");
  EXPECT_EQ(label_error("a b"), "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt");
  EXPECT_EQ(label_error("a=b,"), "found '', expected: identifier after ','");
  EXPECT_EQ(label_error(",a"), "found ',', expected: !, identifier, or 'end of string'");
  EXPECT_EQ(label_error("a in x"), "unable to parse requirement: found 'x' expected: '('");
  EXPECT_EQ(label_error("x>a"),
            "unable to parse requirement: values[0]: Invalid value: \"a\": for 'Gt', 'Lt' operators, the value must be "
            "an integer");
  EXPECT_NE(label_error("a=b c").find("found 'c', expected: ',' or 'end of string'"), std::string::npos);
  EXPECT_NE(label_error("-a=b").find("key: Invalid value: \"-a\": name part must consist of"), std::string::npos);
  EXPECT_NE(label_error("a=-b").find("values[0][a]: Invalid value: \"-b\": a valid label must be an empty string"),
            std::string::npos);
}

TEST(Selector, FieldSelectors) {
  auto s = Selector::parse_fields("metadata.name=x,status.phase!=Running");
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->to_string(), "metadata.name=x,status.phase!=Running");
  auto get = [](std::string_view k) -> std::optional<std::string> {
    if (k == "metadata.name") return "x";
    return std::nullopt;
  };
  EXPECT_TRUE(s->matches(get));
  auto escaped = Selector::parse_fields("a==b\\,c");
  ASSERT_TRUE(escaped.has_value());
  EXPECT_EQ(escaped->requirements()[0].values[0], "b,c");
  auto bad = Selector::parse_fields("metadata.name");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().message, "invalid selector: 'metadata.name'; can't understand 'metadata.name'");
  EXPECT_FALSE(Selector::parse_fields("a=b\\x").has_value());
  EXPECT_TRUE(Selector::parse_fields("")->matches_everything());
}

TEST(Selector, FromLabelSelectorObject) {
  Json sel = Json::parse(R"({"matchLabels":{"app":"web"},
    "matchExpressions":[{"key":"tier","operator":"In","values":["front","back"]},{"key":"x","operator":"DoesNotExist"}]})");
  auto s = Selector::from_label_selector(sel);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->to_string(), "app=web,tier in (back,front),!x");
  EXPECT_TRUE(s->matches_labels({{"app", "web"}, {"tier", "back"}}));
  EXPECT_TRUE(Selector::from_label_selector(Json::object())->matches_everything());
  EXPECT_TRUE(Selector::from_label_selector(Json())->matches_nothing());
  auto bad = Selector::from_label_selector(Json::parse(R"({"matchExpressions":[{"key":"a","operator":"Has"}]})"));
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().message, "\"Has\" is not a valid label selector operator");
}

TEST(Selector, ValidatesLabelSelectors) {
  Json sel = Json::parse(R"({"matchLabels":{"bad key":"v"},
    "matchExpressions":[{"key":"a","operator":"In"},{"key":"b","operator":"Exists","values":["x"]},
                        {"key":"c","operator":"Has"}]})");
  FieldErrors errs = validate_label_selector(sel, FieldPath("spec").child("selector"));
  ASSERT_EQ(errs.size(), 4u);
  EXPECT_EQ(
      errs[0].to_string().rfind("spec.selector.matchLabels: Invalid value: \"bad key\": name part must consist", 0),
      0u);
  EXPECT_EQ(errs[1].to_string(),
            "spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or "
            "'NotIn'");
  EXPECT_EQ(errs[2].to_string(),
            "spec.selector.matchExpressions[1].values: Forbidden: may not be specified when `operator` is 'Exists' or "
            "'DoesNotExist'");
  EXPECT_EQ(errs[3].to_string(),
            "spec.selector.matchExpressions[2].operator: Invalid value: \"Has\": not a valid selector operator");
}

}  // namespace
}  // namespace kthena::api
