// The JSONPath subset of CRD printer columns (`additionalPrinterColumns[].jsonPath`): `.a.b`, `.a[0]`, `.a[*].b`,
// `.a['key.with.dots']` and filters `.a[?(@.type=='Active')].status` (==, != on strings and numbers).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "api/json.h"
#include "common/result.h"

namespace kthena::apiserver {

class JsonPath {
 public:
  // kInvalid naming the offending position when the expression is outside the subset.
  static Result<JsonPath> parse(std::string_view expression);
  // Every value the path selects, in document order (empty when nothing matches).
  std::vector<const Json*> evaluate(const Json& root) const;
  const std::string& text() const { return text_; }

 private:
  struct Step {
    enum class Kind { kField, kIndex, kWildcard, kFilter } kind = Kind::kField;
    std::string field;
    long index = 0;
    // Filter: @.<filter_path> <op> <filter_value>
    std::vector<std::string> filter_path;
    bool filter_not_equal = false;
    Json filter_value;
  };
  std::vector<Step> steps_;
  std::string text_;
};

}  // namespace kthena::apiserver
