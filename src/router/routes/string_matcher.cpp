#include "router/routes/string_matcher.h"

namespace kthena::router {

StringMatcher::StringMatcher(const api::StringMatch& match) : kind_(match.kind), value_(match.value) {
  if (kind_ != api::StringMatch::Kind::kRegex) return;
  if (auto compiled = api::Regex::compile(value_)) regex_ = std::move(*compiled);
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
      return regex_ && regex_->search(value);
  }
  return false;
}

}  // namespace kthena::router
