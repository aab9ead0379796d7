// Kubernetes-style field errors (apimachinery's field.Error): the one shape in which validation reports problems,
// whether from the schema, a CEL rule or a webhook rule. Their text is an interface: kubectl prints it, upstream's
// tests match on it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "api/json.h"
#include "common/result.h"

namespace kthena {

enum class FieldErrorType {
  kRequired,      // "Required value"
  kInvalid,       // "Invalid value"
  kNotSupported,  // "Unsupported value"
  kDuplicate,     // "Duplicate value"
  kForbidden,     // "Forbidden"
  kTooLong,       // "Too long"
  kTooMany,       // "Too many"
  kNotFound,      // "Not found"
  kTypeInvalid,   // "Invalid value" (wrong JSON type)
  kInternal,      // "Internal error"
};

std::string_view to_string(FieldErrorType type);

// The `reason` of a Status cause for this type, as the API server sends it ("FieldValueInvalid",
// "FieldValueRequired", "FieldValueNotSupported", "FieldValueDuplicate", "FieldValueForbidden", ...).
std::string_view cause_reason(FieldErrorType type);

// A path into an object, rendered as Kubernetes renders it: "spec.rules[0].modelMatch.headers[x-user]".
class FieldPath {
 public:
  FieldPath() = default;
  explicit FieldPath(std::string root) : text_(std::move(root)) {}

  FieldPath child(std::string_view name) const;
  FieldPath index(size_t i) const;
  FieldPath key(std::string_view k) const;  // map key: "[k]"
  const std::string& str() const { return text_; }
  bool empty() const { return text_.empty(); }

 private:
  std::string text_;
};

struct FieldError {
  FieldErrorType type = FieldErrorType::kInvalid;
  std::string field;
  Json bad_value;      // rendered for Invalid/NotSupported/Duplicate/TypeInvalid/TooMany/NotFound
  std::string detail;  // may be empty

  // "<field>: <Type>[: <value>][: <detail>]", exactly as apimachinery's field.Error.Error().
  std::string to_string() const;
  // The same without the leading "<field>: " (field.Error.ErrorBody()): the `message` of a Status cause.
  std::string body() const;
};

using FieldErrors = std::vector<FieldError>;

FieldError required(const FieldPath& path, std::string detail);
FieldError invalid(const FieldPath& path, Json value, std::string detail);
FieldError forbidden(const FieldPath& path, std::string detail);
FieldError not_supported(const FieldPath& path, Json value, const std::vector<std::string>& valid);
FieldError duplicate(const FieldPath& path, Json value);
FieldError too_long(const FieldPath& path, Json value, size_t max_length);
FieldError too_many(const FieldPath& path, size_t actual, size_t max);
FieldError type_invalid(const FieldPath& path, Json value, std::string detail);

// Renders a bad value the way Go's %v/%q would for scalars and as compact JSON for objects and lists.
std::string render_bad_value(const Json& value);

// Go's strconv.Quote for the ASCII and UTF-8 text we meet in manifests.
std::string go_quote(std::string_view s);

// One Error (code kInvalid) whose message lists every field error, for callers that only carry an Error.
Error to_error(const FieldErrors& errors);

}  // namespace kthena
