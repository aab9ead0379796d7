// The query string of a request, percent-decoded ("labelSelector=app%3Ddemo" -> labelSelector: "app=demo").
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace kthena::http {

class QueryParams {
 public:
  // kBadRequest for a malformed escape.
  static Result<QueryParams> parse(std::string_view query);

  // The first value of `name`, or "".
  std::string get(std::string_view name) const;
  bool has(std::string_view name) const;
  // "true"/"1" -> true, "false"/"0"/"" -> false; anything else is kBadRequest naming the parameter.
  Result<bool> flag(std::string_view name) const;
  // An integer (its range is the caller's to judge), nullopt when absent or empty; kBadRequest naming the
  // parameter when not a number.
  Result<std::optional<int64_t>> integer(std::string_view name) const;

 private:
  std::multimap<std::string, std::string, std::less<>> values_;
};

// Percent-decodes `text`; '+' is a space in query strings (form encoding), kept as-is in paths.
Result<std::string> percent_decode(std::string_view text, bool plus_is_space);

}  // namespace kthena::http
