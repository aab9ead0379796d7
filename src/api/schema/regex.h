// Regular expressions as Kubernetes evaluates them: Go's regexp (RE2 syntax, linear-time matching), backed by RE2
// itself, so that a schema `pattern`, a CEL `matches()` or a webhook's regex can never blow up on hostile input.
// The one place a Go pattern becomes an RE2 one (see regex.cpp for why a translation is needed at all).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"

namespace kthena::api {

class Regex {
 public:
  // Accepts exactly what Go's regexp.Compile accepts; errors (code kInvalid) read like Go's, over the fragment the
  // user wrote: "error parsing regexp: missing closing ): `(a`".
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
