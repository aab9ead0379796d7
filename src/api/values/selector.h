// Label and field selectors: the `?labelSelector=` syntax (labels.Parse: `a=b,c!=d,e in (x,y),f notin (z),g,!h`,
// `==`, `>`/`<`), the `?fieldSelector=` syntax (fields.ParseSelector: `metadata.name=x,status.phase!=Running`,
// with `\` escapes), and metav1.LabelSelector objects ({matchLabels, matchExpressions}), all as one type.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/field_error.h"
#include "api/json.h"
#include "common/result.h"

namespace kthena::api {

enum class SelectorOp {
  kEquals,
  kDoubleEquals,
  kNotEquals,
  kIn,
  kNotIn,
  kExists,
  kDoesNotExist,
  kGreaterThan,
  kLessThan
};

struct Requirement {
  std::string key;
  SelectorOp op = SelectorOp::kExists;
  std::vector<std::string> values;  // sorted, unique (a set, as in apimachinery)

  std::string to_string() const;
};

class Selector {
 public:
  enum class Kind { kLabels, kFields };

  // Matches everything.
  Selector() = default;
  // Matches nothing (a nil metav1.LabelSelector).
  static Selector nothing();

  // labels.Parse: keys must be qualified names and values label values; errors are apimachinery's texts,
  // e.g. "unable to parse requirement: found '', expected: in, notin, =, ==, !=, gt, lt".
  static Result<Selector> parse_labels(std::string_view text);
  // fields.ParseSelector: "invalid selector: 'x'; can't understand 'x'".
  static Result<Selector> parse_fields(std::string_view text);
  // metav1.LabelSelectorAsSelector on a JSON LabelSelector; null gives nothing(), {} everything.
  static Result<Selector> from_label_selector(const Json& selector);

  // Label semantics: `a=b` needs the label; `a!=b` matches when it is absent. Field semantics: an absent field
  // reads as "".
  bool matches(const std::function<std::optional<std::string>(std::string_view)>& lookup) const;
  // Against a JSON object of string values (metadata.labels); null counts as no labels.
  bool matches_labels(const Json& labels) const;

  bool matches_everything() const { return !nothing_ && requirements_.empty(); }
  bool matches_nothing() const { return nothing_; }
  Kind kind() const { return kind_; }
  const std::vector<Requirement>& requirements() const { return requirements_; }
  // The canonical text (requirements sorted by key for labels), as Selector.String() prints it.
  std::string to_string() const;

 private:
  Kind kind_ = Kind::kLabels;
  bool nothing_ = false;
  std::vector<Requirement> requirements_;
};

// metav1validation.ValidateLabelSelector and ValidateLabels, with apimachinery's paths and messages.
FieldErrors validate_label_selector(const Json& selector, const FieldPath& path);
FieldErrors validate_labels(const Json& labels, const FieldPath& path);

}  // namespace kthena::api
