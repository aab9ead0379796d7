// Go's regexp.Compile verdicts and messages for the patterns ModelRoute rules carry.
#include <gtest/gtest.h>

#include "api/validation/go_regexp.h"

namespace kthena::api::validation {
namespace {

TEST(GoRegexp, AcceptsRe2Syntax) {
  for (const char* ok : {"^gold-.*$", "(?i)bearer\\s+\\S+", "^/v1/(chat/)?completions$", "\\d{3}", "(?P<x>a|b)",
                         "(?<x>a|b)", "\\(?<a>", "[(?<]x", "[[:alpha:]]+", "\\pL"}) {
    EXPECT_EQ(go_regexp_compile_error(ok), std::nullopt) << ok;
  }
}

TEST(GoRegexp, RejectsWithGoMessages) {
  struct Case {
    const char* pattern;
    const char* message;
  };
  for (const Case& c : {
           Case{"[a-", "error parsing regexp: missing closing ]: `[a-`"},
           Case{"(v1", "error parsing regexp: missing closing ): `(v1`"},
           Case{"v1)", "error parsing regexp: unexpected ): `v1)`"},
           Case{"*x", "error parsing regexp: missing argument to repetition operator: `*`"},
           Case{"a**", "error parsing regexp: invalid nested repetition operator: `**`"},
           Case{"x{1001}", "error parsing regexp: invalid repeat count: `{1001}`"},
           Case{"\\x{zz}", "error parsing regexp: invalid escape sequence: `\\x{z`"},
           Case{"a\\", "error parsing regexp: trailing backslash at end of expression: ``"},
           Case{"(?<", "error parsing regexp: invalid or unsupported Perl syntax: `(?<`"},
           Case{"(?P<name", "error parsing regexp: invalid named capture: `(?P<name`"},
           Case{"(?<=a)b", "error parsing regexp: invalid named capture: `(?<=a)b`"},
           Case{"(?<a-b>x)", "error parsing regexp: invalid named capture: `(?<a-b>`"},
           Case{"(?z)", "error parsing regexp: invalid or unsupported Perl syntax: `(?z`"},
           Case{"[z-a]", "error parsing regexp: invalid character class range: `z-a`"},
       }) {
    EXPECT_EQ(go_regexp_compile_error(c.pattern).value_or("<compiled>"), c.message) << c.pattern;
  }
}

}  // namespace
}  // namespace kthena::api::validation
