#include "api/schema/regex.h"

#include <fmt/format.h>
#include <re2/re2.h>

#include "api/validation/go_regexp.h"

namespace kthena::api {

struct Regex::Program {
  explicit Program(const std::string& pattern, const RE2::Options& options) : re(pattern, options) {}
  RE2 re;
};

namespace {

RE2::Options options() {
  RE2::Options o;
  o.set_log_errors(false);
  o.set_encoding(RE2::Options::EncodingUTF8);
  return o;
}

// Go (since 1.22) accepts `(?<name>re)`; RE2 spells it `(?P<name>re)`.
std::string with_python_named_groups(std::string_view p) {
  std::string out;
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
      if (i + 1 < p.size() && p[i + 1] == ']') out.push_back(p[++i]);
    } else if (c == '(' && p.substr(i + 1, 2) == "?<" && i + 3 < p.size() && p[i + 3] != '=' && p[i + 3] != '!') {
      out += "?P<";
      i += 2;
    }
  }
  return out;
}

}  // namespace

Result<Regex> Regex::compile(std::string_view pattern) {
  if (auto go_error = validation::go_regexp_compile_error(pattern)) return fail(ErrorCode::kInvalid, *go_error);
  auto program = std::make_shared<Program>(with_python_named_groups(pattern), options());
  if (!program->re.ok()) {
    return fail(ErrorCode::kInvalid, fmt::format("error parsing regexp: {}", program->re.error()));
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
