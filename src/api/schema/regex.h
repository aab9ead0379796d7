// Regular expressions as Kubernetes evaluates them (Go's regexp: RE2 syntax, linear-time matching), backed by RE2
// itself, so that a schema `pattern` or a CEL `matches()` can never blow up on hostile input. Compile errors read
// as Go's do.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"

namespace kthena::api {

class Regex {
 public:
  // Errors read like Go's regexp.Compile: "error parsing regexp: missing closing ): `(a`".
  static Result<Regex> compile(std::string_view pattern);

  // Go's MatchString: true when the expression matches anywhere in `text`.
  bool search(std::string_view text) const;
  const std::string& pattern() const { return pattern_; }

  struct Program;

 private:
  std::string pattern_;
  std::shared_ptr<const Program> program_;  // immutable and thread-safe to match; shared by copies
};

}  // namespace kthena::api
