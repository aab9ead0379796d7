// A compiled StringMatch (exact / prefix / RE2 regex, unanchored like Go's MatchString). Regexes compile once,
// when the route table is built, never per request.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "api/types/model_route.h"

namespace re2 {
class RE2;
}

namespace kthena::router {

class StringMatcher {
 public:
  StringMatcher() = default;
  explicit StringMatcher(const api::StringMatch& match);

  bool matches(std::string_view value) const;
  // False when a regex failed to compile: such a matcher matches nothing (upstream's behaviour).
  bool valid() const { return kind_ != api::StringMatch::Kind::kRegex || regex_ != nullptr; }

 private:
  api::StringMatch::Kind kind_ = api::StringMatch::Kind::kAny;
  std::string value_;
  std::shared_ptr<const re2::RE2> regex_;
};

}  // namespace kthena::router
