#include "api/field_error.h"

#include <fmt/format.h>

namespace kthena {

std::string_view to_string(FieldErrorType type) {
  switch (type) {
    case FieldErrorType::kRequired:
      return "Required value";
    case FieldErrorType::kInvalid:
      return "Invalid value";
    case FieldErrorType::kNotSupported:
      return "Unsupported value";
    case FieldErrorType::kDuplicate:
      return "Duplicate value";
    case FieldErrorType::kForbidden:
      return "Forbidden";
    case FieldErrorType::kTooLong:
      return "Too long";
    case FieldErrorType::kTooMany:
      return "Too many";
    case FieldErrorType::kNotFound:
      return "Not found";
    case FieldErrorType::kTypeInvalid:
      return "Invalid value";
    case FieldErrorType::kInternal:
      return "Internal error";
  }
  return "Invalid value";
}

std::string_view cause_reason(FieldErrorType type) {
  switch (type) {
    case FieldErrorType::kRequired:
      return "FieldValueRequired";
    case FieldErrorType::kInvalid:
      return "FieldValueInvalid";
    case FieldErrorType::kNotSupported:
      return "FieldValueNotSupported";
    case FieldErrorType::kDuplicate:
      return "FieldValueDuplicate";
    case FieldErrorType::kForbidden:
      return "FieldValueForbidden";
    case FieldErrorType::kTooLong:
      return "FieldValueTooLong";
    case FieldErrorType::kTooMany:
      return "FieldValueTooMany";
    case FieldErrorType::kNotFound:
      return "FieldValueNotFound";
    case FieldErrorType::kTypeInvalid:
      return "FieldValueTypeInvalid";
    case FieldErrorType::kInternal:
      return "InternalError";
  }
  return "FieldValueInvalid";
}

FieldPath FieldPath::child(std::string_view name) const {
  if (text_.empty()) return FieldPath(std::string(name));
  return FieldPath(text_ + "." + std::string(name));
}

FieldPath FieldPath::index(size_t i) const {
  return FieldPath(fmt::format("{}[{}]", text_, i));
}

FieldPath FieldPath::key(std::string_view k) const {
  return FieldPath(fmt::format("{}[{}]", text_, k));
}

std::string go_quote(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  out.push_back('"');
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\a':
        out += "\\a";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\v':
        out += "\\v";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out += fmt::format("\\x{:02x}", c);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  out.push_back('"');
  return out;
}

std::string render_bad_value(const Json& value) {
  if (value.is_null()) return "null";
  if (value.is_string()) return go_quote(value.get_ref<const std::string&>());
  if (value.is_boolean()) return value.get<bool>() ? "true" : "false";
  return value.dump();
}

std::string FieldError::to_string() const {
  if (field.empty()) return body();
  return field + ": " + body();
}

std::string FieldError::body() const {
  std::string body(kthena::to_string(type));
  switch (type) {
    case FieldErrorType::kRequired:
    case FieldErrorType::kForbidden:
    case FieldErrorType::kTooLong:
    case FieldErrorType::kInternal:
      break;
    default:
      body += ": " + render_bad_value(bad_value);
  }
  if (!detail.empty()) body += ": " + detail;
  return body;
}

FieldError required(const FieldPath& path, std::string detail) {
  return {FieldErrorType::kRequired, path.str(), nullptr, std::move(detail)};
}

FieldError invalid(const FieldPath& path, Json value, std::string detail) {
  return {FieldErrorType::kInvalid, path.str(), std::move(value), std::move(detail)};
}

FieldError forbidden(const FieldPath& path, std::string detail) {
  return {FieldErrorType::kForbidden, path.str(), nullptr, std::move(detail)};
}

FieldError not_supported(const FieldPath& path, Json value, const std::vector<std::string>& valid) {
  std::string detail;
  if (!valid.empty()) {
    detail = "supported values: ";
    for (size_t i = 0; i < valid.size(); ++i) {
      if (i) detail += ", ";
      detail += go_quote(valid[i]);
    }
  }
  return {FieldErrorType::kNotSupported, path.str(), std::move(value), std::move(detail)};
}

FieldError duplicate(const FieldPath& path, Json value) {
  return {FieldErrorType::kDuplicate, path.str(), std::move(value), {}};
}

FieldError too_long(const FieldPath& path, Json value, size_t max_length) {
  return {FieldErrorType::kTooLong, path.str(), std::move(value),
          fmt::format("may not be more than {} bytes", max_length)};
}

FieldError too_many(const FieldPath& path, size_t actual, size_t max) {
  return {FieldErrorType::kTooMany, path.str(), Json(actual), fmt::format("must have at most {} items", max)};
}

FieldError type_invalid(const FieldPath& path, Json value, std::string detail) {
  return {FieldErrorType::kTypeInvalid, path.str(), std::move(value), std::move(detail)};
}

Error to_error(const FieldErrors& errors) {
  std::string message;
  for (size_t i = 0; i < errors.size(); ++i) {
    if (i) message += ", ";
    message += errors[i].to_string();
  }
  return Error{ErrorCode::kInvalid, {}, std::move(message)};
}

}  // namespace kthena
