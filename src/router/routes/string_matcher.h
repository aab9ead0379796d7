// A compiled StringMatch (exact / prefix / regex, unanchored like Go's MatchString). Regexes compile once, when the
// route table is built, never per request, with the same Go-regexp translation the ModelRoute webhook validated
// them with (api/schema/regex.h): a pattern the webhook accepts (`(?<name>...)`) is one the router can match.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "api/schema/regex.h"
#include "api/types/model_route.h"

namespace kthena::router {

class StringMatcher {
 public:
  StringMatcher() = default;
  explicit StringMatcher(const api::StringMatch& match);

  bool matches(std::string_view value) const;
  // False when a regex failed to compile: such a matcher matches nothing (upstream's behaviour).
  bool valid() const { return kind_ != api::StringMatch::Kind::kRegex || regex_.has_value(); }

 private:
  api::StringMatch::Kind kind_ = api::StringMatch::Kind::kAny;
  std::string value_;
  std::optional<api::Regex> regex_;
};

}  // namespace kthena::router
