// Go's regexp.Compile verdicts, messages and MatchString results, for every caller of the one translator: schema
// patterns, CEL matches() and the ModelRoute webhook's rule regexes.
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
  if (r) return "<compiled>";
  EXPECT_EQ(r.error().code, ErrorCode::kInvalid);
  return r.error().message;
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
  EXPECT_TRUE(m(R"((?i)bearer\s+\S+)", "Bearer abc"));
  EXPECT_TRUE(m(R"(\pL)", "\xC3\xA9"));
}

TEST(Regex, NamedGroupsInBothSpellings) {
  EXPECT_TRUE(m("^(?P<x>a|b)c$", "bc"));
  EXPECT_TRUE(m("^(?<x>a|b)c$", "bc"));  // Go 1.22's spelling
  EXPECT_FALSE(m("^(?<x>a|b)c$", "Pc"));
  // Only a group opener is rewritten: not an escaped paren, a class, a \Q...\E literal or a POSIX class in a class.
  EXPECT_TRUE(m(R"(^\(?<a>$)", "<a>"));
  EXPECT_TRUE(m(R"(^[(?<]x$)", "<x"));
  EXPECT_TRUE(m(R"(^\Q(?<a>\E$)", "(?<a>"));
  EXPECT_FALSE(m(R"(^\Q(?<a>\E$)", "(?P<a>"));
  EXPECT_TRUE(m(R"(^[[:digit:](?<]+$)", "(?<1"));
  EXPECT_FALSE(m(R"(^[[:digit:](?<]+$)", "P"));
  EXPECT_TRUE(m(R"(^\Q\C\E$)", "\\C"));  // \C inside \Q...\E is two literals in Go
}

TEST(Regex, LinearOnHostileInput) {
  std::string a(100000, 'a');
  EXPECT_FALSE(m("^(a*)*b$", a));
  EXPECT_TRUE(m("^(hf://).+", "hf://" + a));
}

TEST(Regex, AcceptsWhatGoAccepts) {
  for (const char* ok : {"^gold-.*$", "(?i)bearer\\s+\\S+", "^/v1/(chat/)?completions$", "\\d{3}", "(?P<x>a|b)",
                         "(?<x>a|b)", "\\(?<a>", "[(?<]x", "[[:alpha:]]+", "\\pL", "\\Q(?P=x\\E", "(?<_1>a)"}) {
    EXPECT_TRUE(Regex::compile(ok).has_value()) << ok;
  }
}

TEST(Regex, ErrorsLikeGo) {
  struct Case {
    const char* pattern;
    const char* message;
  };
  for (const Case& c : {
           Case{"(a", "error parsing regexp: missing closing ): `(a`"},
           Case{"(v1", "error parsing regexp: missing closing ): `(v1`"},
           Case{"[a-", "error parsing regexp: missing closing ]: `[a-`"},
           Case{"*a", "error parsing regexp: missing argument to repetition operator: `*`"},
           Case{"a)", "error parsing regexp: unexpected ): `a)`"},
           Case{"v1)", "error parsing regexp: unexpected ): `v1)`"},
           Case{R"(\1)", "error parsing regexp: invalid escape sequence: `\\1`"},
           Case{"(?=a)", "error parsing regexp: invalid or unsupported Perl syntax: `(?=`"},
           Case{"a{1001}", "error parsing regexp: invalid repeat count: `{1001}`"},
           Case{"[z-a]", "error parsing regexp: invalid character class range: `z-a`"},
           Case{"a**", "error parsing regexp: invalid nested repetition operator: `**`"},
           Case{"\\x{zz}", "error parsing regexp: invalid escape sequence: `\\x{z`"},
           Case{"a\\", "error parsing regexp: trailing backslash at end of expression: ``"},
           Case{"(?<", "error parsing regexp: invalid or unsupported Perl syntax: `(?<`"},
           Case{"(?P<name", "error parsing regexp: invalid named capture: `(?P<name`"},
           Case{"(?<=a)b", "error parsing regexp: invalid named capture: `(?<=a)b`"},
           Case{"(?<!a)b", "error parsing regexp: invalid named capture: `(?<!a)b`"},
           Case{"(?<a-b>x)", "error parsing regexp: invalid named capture: `(?<a-b>`"},
           Case{"(?z)", "error parsing regexp: invalid or unsupported Perl syntax: `(?z`"},
           // The fragment is shown as written, whichever spelling of a named group precedes it.
           Case{"(?<a>x)(?P<b-c>y)", "error parsing regexp: invalid named capture: `(?P<b-c>`"},
           Case{"(?P<a>x)(?<b-c>y)", "error parsing regexp: invalid named capture: `(?<b-c>`"},
           // RE2 alone would accept `\C` (any byte) outside a class; Go never does.
           Case{R"(a\C)", "error parsing regexp: invalid escape sequence: `\\C`"},
           Case{R"([\C])", "error parsing regexp: invalid escape sequence: `\\C`"},
           // `(?P` starts a named group only before `<name>`.
           Case{"(?P=name)", "error parsing regexp: invalid or unsupported Perl syntax: `(?P`"},
           Case{"(?P>x)", "error parsing regexp: invalid or unsupported Perl syntax: `(?P`"},
           Case{"(?P<", "error parsing regexp: invalid or unsupported Perl syntax: `(?P`"},
       }) {
    EXPECT_EQ(compile_error(c.pattern), c.message) << c.pattern;
  }
}

}  // namespace
}  // namespace kthena::api
