#include "router/routes/string_matcher.h"

#include <re2/re2.h>

namespace kthena::router {

StringMatcher::StringMatcher(const api::StringMatch& match) : kind_(match.kind), value_(match.value) {
  if (kind_ != api::StringMatch::Kind::kRegex) return;
  RE2::Options options;
  options.set_log_errors(false);
  auto re = std::make_shared<const re2::RE2>(value_, options);
  if (re->ok()) regex_ = std::move(re);
}

bool StringMatcher::matches(std::string_view value) const {
  switch (kind_) {
    case api::StringMatch::Kind::kAny:
      return true;
    case api::StringMatch::Kind::kExact:
      return value == value_;
    case api::StringMatch::Kind::kPrefix:
      return value.substr(0, value_.size()) == value_;
    case api::StringMatch::Kind::kRegex:
      return regex_ != nullptr && re2::RE2::PartialMatch(value, *regex_);
  }
  return false;
}

}  // namespace kthena::router
