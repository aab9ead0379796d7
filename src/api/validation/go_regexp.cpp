#include "api/validation/go_regexp.h"

#include <string>

#include <re2/re2.h>

namespace kthena::api::validation {
namespace {

// Go's regexp/syntax ErrorCode texts for the RE2 error that means the same thing.
std::string_view go_error_code(RE2::ErrorCode code) {
  switch (code) {
    case RE2::ErrorBadEscape:
      return "invalid escape sequence";
    case RE2::ErrorBadCharClass:
      return "invalid character class";
    case RE2::ErrorBadCharRange:
      return "invalid character class range";
    case RE2::ErrorMissingBracket:
      return "missing closing ]";
    case RE2::ErrorMissingParen:
      return "missing closing )";
    case RE2::ErrorUnexpectedParen:
      return "unexpected )";
    case RE2::ErrorTrailingBackslash:
      return "trailing backslash at end of expression";
    case RE2::ErrorRepeatArgument:
      return "missing argument to repetition operator";
    case RE2::ErrorRepeatSize:
      return "invalid repeat count";
    case RE2::ErrorRepeatOp:
      return "invalid nested repetition operator";
    case RE2::ErrorBadPerlOp:
      return "invalid or unsupported Perl syntax";
    case RE2::ErrorBadUTF8:
      return "invalid UTF-8";
    case RE2::ErrorBadNamedCapture:
      return "invalid named capture";
    case RE2::ErrorPatternTooLarge:
      return "expression too large";
    default:
      return "regexp/syntax: internal error";
  }
}

// Go (since 1.22) also accepts `(?<name>re)` for a named group, which this RE2 knows only as `(?P<name>re)`.
// Rewrites the former into the latter outside escapes and character classes, wherever Go's parser would read a
// named group (it does so for `(?<=` too, and rejects it as an invalid named capture).
std::string with_python_named_groups(std::string_view p) {
  std::string out;
  out.reserve(p.size() + 4);
  bool in_class = false;
  for (size_t i = 0; i < p.size(); ++i) {
    char c = p[i];
    out.push_back(c);
    if (c == '\\' && i + 1 < p.size()) {
      out.push_back(p[++i]);
    } else if (in_class) {
      if (c == ']') in_class = false;
    } else if (c == '[') {
      in_class = true;
      if (i + 1 < p.size() && p[i + 1] == '^') out.push_back(p[++i]);
      if (i + 1 < p.size() && p[i + 1] == ']') out.push_back(p[++i]);  // a leading ']' is a literal
    } else if (c == '(' && p.substr(i + 1, 2) == "?<" && i + 3 < p.size()) {
      out += "?P<";
      i += 2;
    }
  }
  return out;
}

}  // namespace

std::optional<std::string> go_regexp_compile_error(std::string_view pattern) {
  RE2::Options options;
  options.set_log_errors(false);
  std::string translated = with_python_named_groups(pattern);
  RE2 re(translated, options);
  if (re.ok()) return std::nullopt;
  std::string arg = re.error_arg();
  // Show the fragment as the user wrote it, without the `P` the rewrite inserted.
  if (translated.size() != pattern.size()) {
    for (size_t at = arg.find("(?P<"); at != std::string::npos; at = arg.find("(?P<", at + 3)) arg.erase(at + 2, 1);
  }
  return "error parsing regexp: " + std::string(go_error_code(re.error_code())) + ": `" + arg + "`";
}

}  // namespace kthena::api::validation
