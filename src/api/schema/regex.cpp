#include "api/schema/regex.h"

#include <algorithm>
#include <vector>

#include <fmt/format.h>
#include <re2/re2.h>

namespace kthena::api {

struct Regex::Program {
  explicit Program(const std::string& pattern, const RE2::Options& options) : re(pattern, options) {}
  RE2 re;
};

namespace {

// Why a translation at all: every pattern we check is one Kubernetes evaluates with Go's regexp package. A CRD
// schema's `pattern` is ECMA-262 on paper (OpenAPI), but the API server compiles it with Go's regexp, so
// lookarounds and backreferences fail there, and must fail here; CEL's matches() is RE2 syntax through Go's regexp;
// the ModelRoute webhook calls regexp.Compile on the rule's regex and returns its error verbatim. The RE2 we link
// (2022-06) shares Go's syntax and linear-time matching but not all of it:
//   - Go (since 1.22) reads `(?<name>re)` as a named group; this RE2 knows only `(?P<name>re)`.
//   - RE2 accepts `\C` (any byte) outside a class; Go rejects it as an invalid escape.
//   - Error texts differ; Go's name the code and the fragment as written ("missing closing ): `(a`").
// So the pattern is rewritten, outside `\Q...\E` literals and character classes (where none of this is special),
// into the RE2 pattern that means the same; where Go fails, the rewrite fails in RE2 at the same place.
constexpr size_t kInserted = std::string::npos;

struct Translation {
  std::string re2;
  // origin[j]: where re2[j] came from in the Go pattern (kInserted for bytes the rewrite added), so that an RE2
  // error fragment can be shown as the user wrote it.
  std::vector<size_t> origin;

  void copy(std::string_view go, size_t at, size_t n) {
    for (size_t k = at; k < at + n && k < go.size(); ++k) put(go[k], k);
  }
  void put(char c, size_t from) {
    re2.push_back(c);
    origin.push_back(from);
  }

  // The text of the Go pattern that `fragment` (a piece of re2) came from; `fragment` itself when it is not one.
  std::string original_of(std::string_view go, const std::string& fragment) const {
    const size_t at = fragment.empty() ? std::string::npos : re2.find(fragment);
    if (at == std::string::npos) return fragment;
    size_t begin = std::string::npos, end = 0;
    for (size_t j = at; j < at + fragment.size(); ++j) {
      if (origin[j] == kInserted) continue;
      begin = std::min(begin, origin[j]);
      end = std::max(end, origin[j] + 1);
    }
    return begin == std::string::npos ? fragment : std::string(go.substr(begin, end - begin));
  }
};

Translation translate(std::string_view go) {
  Translation t;
  t.re2.reserve(go.size() + 4);
  t.origin.reserve(go.size() + 4);
  bool in_class = false;
  size_t i = 0;
  while (i < go.size()) {
    const std::string_view rest = go.substr(i);
    if (in_class) {
      size_t n = 1;
      if (rest.size() > 1 && rest[0] == '\\') {
        n = 2;
      } else if (rest.starts_with("[:") && rest.find(":]", 2) != std::string_view::npos) {
        n = rest.find(":]", 2) + 2;  // [:alpha:] inside a class: its `]` does not close the class
      } else if (rest[0] == ']') {
        in_class = false;
      }
      t.copy(go, i, n);
      i += n;
      continue;
    }
    if (rest.starts_with("\\Q")) {
      const size_t end = rest.find("\\E", 2);
      const size_t n = end == std::string_view::npos ? rest.size() : end + 2;
      t.copy(go, i, n);
      i += n;
    } else if (rest.starts_with("\\C")) {
      t.put('\\', i);
      t.put('q', i + 1);  // an escape RE2 rejects too, reported over the user's `\C`
      i += 2;
    } else if (rest.size() > 1 && rest[0] == '\\') {
      t.copy(go, i, 2);
      i += 2;
    } else if (rest[0] == '[') {
      in_class = true;
      size_t n = 1;
      if (rest.size() > n && rest[n] == '^') ++n;
      if (rest.size() > n && rest[n] == ']') ++n;  // a leading ']' is a literal
      t.copy(go, i, n);
      i += n;
    } else if (rest.starts_with("(?<") && rest.size() > 3) {
      // Go reads a name here even for `(?<=` and `(?<!`, and rejects those as invalid named captures.
      t.copy(go, i, 2);
      t.put('P', kInserted);
      t.copy(go, i + 2, 1);
      i += 3;
    } else {
      t.copy(go, i, 1);
      ++i;
    }
  }
  return t;
}

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

RE2::Options options() {
  RE2::Options o;
  o.set_log_errors(false);
  o.set_encoding(RE2::Options::EncodingUTF8);
  return o;
}

}  // namespace

Result<Regex> Regex::compile(std::string_view pattern) {
  const Translation translation = translate(pattern);
  auto program = std::make_shared<Program>(translation.re2, options());
  if (!program->re.ok()) {
    const RE2& re = program->re;
    // Go names the whole expression when it is too large; RE2 names nothing.
    const std::string fragment = re.error_code() == RE2::ErrorPatternTooLarge
                                     ? std::string(pattern)
                                     : translation.original_of(pattern, re.error_arg());
    return fail(ErrorCode::kInvalid,
                fmt::format("error parsing regexp: {}: `{}`", go_error_code(re.error_code()), fragment));
  }
  Regex r;
  r.pattern_ = std::string(pattern);
  r.program_ = std::move(program);
  return r;
}

bool Regex::search(std::string_view text) const {
  return RE2::PartialMatch(text, program_->re);
}

}  // namespace kthena::api
