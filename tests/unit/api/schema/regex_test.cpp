#include "api/schema/regex.h"

#include <gtest/gtest.h>

namespace kthena::api {
namespace {

bool m(std::string_view pattern, std::string_view text) {
  auto r = Regex::compile(pattern);
  EXPECT_TRUE(r.has_value()) << pattern << ": " << (r ? "" : r.error().message);
  return r && r->search(text);
}

std::string compile_error(std::string_view pattern) {
  auto r = Regex::compile(pattern);
  EXPECT_FALSE(r.has_value()) << pattern;
  return r ? "" : r.error().message;
}

TEST(Regex, MatchesLikeGo) {
  EXPECT_TRUE(m("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", "my-model-1"));
  EXPECT_FALSE(m("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", "my-model-"));
  EXPECT_TRUE(m("^(hf://|s3://|obs://|pvc://|ms://).+", "hf://Qwen/Qwen2.5"));
  EXPECT_FALSE(m("^(hf://|s3://|obs://|pvc://|ms://).+", "http://x"));
  EXPECT_TRUE(m("b", "abc"));  // unanchored, like MatchString
  EXPECT_FALSE(m("^b", "abc"));
  EXPECT_TRUE(m(
      R"(^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$)",
      "1.5Gi"));
  EXPECT_FALSE(m(
      R"(^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$)",
      "1.5Gb"));
  EXPECT_TRUE(m(R"(^\d{3}-\d{2,}$)", "123-45678"));
  EXPECT_FALSE(m(R"(^\d{3}$)", "1234"));
  EXPECT_TRUE(m("(?i)^abc$", "AbC"));
  EXPECT_TRUE(m("^a.c$",
                "a\xC3\xA9"
                "c"));  // one rune
  EXPECT_FALSE(m("^a.c$", "a\nc"));
  EXPECT_TRUE(m("(?s)^a.c$", "a\nc"));
  EXPECT_TRUE(m(R"(\bword\b)", "a word here"));
  EXPECT_TRUE(m("[[:alpha:]]+[^a-z]", "abcD"));
  EXPECT_TRUE(m("^a{2}$|^b+?$", "bbb"));
  EXPECT_TRUE(m("^$", ""));
  EXPECT_TRUE(m(R"(^\Q.*\E$)", ".*"));
  EXPECT_TRUE(m("a{,2}", "a{,2}"));  // not a repeat: literal braces, as in Go
  EXPECT_TRUE(m("^[]a]+$", "]a"));
}

TEST(Regex, LinearOnHostileInput) {
  std::string a(100000, 'a');
  EXPECT_FALSE(m("^(a*)*b$", a));
  EXPECT_TRUE(m("^(hf://).+", "hf://" + a));
}

TEST(Regex, ErrorsLikeGo) {
  EXPECT_EQ(compile_error("(a"), "error parsing regexp: missing closing ): `(a`");
  EXPECT_EQ(compile_error("[a-"), "error parsing regexp: missing closing ]: `[a-`");
  EXPECT_EQ(compile_error("*a"), "error parsing regexp: missing argument to repetition operator: `*`");
  EXPECT_EQ(compile_error("a)"), "error parsing regexp: unexpected ): `a)`");
  EXPECT_EQ(compile_error(R"(\1)"), "error parsing regexp: invalid escape sequence: `\\1`");
  EXPECT_EQ(compile_error("(?=a)"), "error parsing regexp: invalid or unsupported Perl syntax: `(?=`");
  EXPECT_EQ(compile_error("a{1001}"), "error parsing regexp: invalid repeat count: `{1001}`");
  EXPECT_EQ(compile_error("[z-a]"), "error parsing regexp: invalid character class range: `z-a`");
  EXPECT_EQ(compile_error("a**"), "error parsing regexp: invalid nested repetition operator: `**`");
}

}  // namespace
}  // namespace kthena::api
