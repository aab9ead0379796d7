#include "apiserver/api_status.h"

#include <fmt/format.h>

namespace kthena::apiserver {

Json ApiStatus::to_json() const {
  Json out = {{"kind", "Status"}, {"apiVersion", "v1"}, {"metadata", Json::object()}, {"status", "Failure"}};
  out["message"] = message;
  if (!reason.empty()) out["reason"] = reason;
  Json details = Json::object();
  if (!name.empty()) details["name"] = name;
  if (!group.empty()) details["group"] = group;
  if (!kind.empty()) details["kind"] = kind;
  if (!uid.empty()) details["uid"] = uid;
  if (!causes.empty()) {
    Json list = Json::array();
    for (const auto& cause : causes) {
      Json c = Json::object();
      if (!cause.reason.empty()) c["reason"] = cause.reason;
      c["message"] = cause.message;
      if (!cause.field.empty()) c["field"] = cause.field;
      list.push_back(std::move(c));
    }
    details["causes"] = std::move(list);
  }
  if (retry_after_seconds > 0) details["retryAfterSeconds"] = retry_after_seconds;
  if (!details.empty()) out["details"] = std::move(details);
  out["code"] = code;
  return out;
}

ApiStatus status_from(const Error& error) {
  ApiStatus status;
  status.code = error.http_status();
  status.reason = std::string(to_string(error.code));
  status.message = error.to_string();
  if (error.code == ErrorCode::kInternal || error.code == ErrorCode::kIo) {
    status.reason = "InternalError";
    status.message = "Internal error occurred: " + error.to_string();
  }
  if (error.code == ErrorCode::kInvalid && !error.field.empty()) {
    status.causes.push_back({"FieldValueInvalid", error.message, error.field});
  }
  return status;
}

std::string qualified_resource(const std::string& plural, const std::string& group) {
  return group.empty() ? plural : plural + "." + group;
}

ApiStatus not_found(const std::string& plural, const std::string& group, const std::string& name) {
  ApiStatus s;
  s.code = 404;
  s.reason = "NotFound";
  s.message = fmt::format("{} \"{}\" not found", qualified_resource(plural, group), name);
  s.name = name;
  s.group = group;
  s.kind = plural;
  return s;
}

ApiStatus already_exists(const std::string& plural, const std::string& group, const std::string& name) {
  ApiStatus s;
  s.code = 409;
  s.reason = "AlreadyExists";
  s.message = fmt::format("{} \"{}\" already exists", qualified_resource(plural, group), name);
  s.name = name;
  s.group = group;
  s.kind = plural;
  return s;
}

ApiStatus conflict(const std::string& plural, const std::string& group, const std::string& name,
                   const std::string& why) {
  ApiStatus s;
  s.code = 409;
  s.reason = "Conflict";
  s.message =
      fmt::format("Operation cannot be fulfilled on {} \"{}\": {}", qualified_resource(plural, group), name, why);
  s.name = name;
  s.group = group;
  s.kind = plural;
  return s;
}

namespace {
ApiStatus simple(int code, const char* reason, std::string message) {
  ApiStatus s;
  s.code = code;
  s.reason = reason;
  s.message = std::move(message);
  return s;
}
}  // namespace

ApiStatus bad_request(std::string message) {
  return simple(400, "BadRequest", std::move(message));
}
ApiStatus forbidden(std::string message) {
  return simple(403, "Forbidden", std::move(message));
}
ApiStatus unsupported_media_type(std::string message) {
  return simple(415, "UnsupportedMediaType", std::move(message));
}
ApiStatus method_not_allowed(std::string message) {
  return simple(405, "MethodNotAllowed", std::move(message));
}
ApiStatus too_large(std::string message) {
  return simple(413, "RequestEntityTooLarge", std::move(message));
}
ApiStatus too_many_requests(std::string message, int retry_after_seconds) {
  auto s = simple(429, "TooManyRequests", std::move(message));
  s.retry_after_seconds = retry_after_seconds;
  return s;
}
ApiStatus internal_error(std::string message) {
  return simple(500, "InternalError", "Internal error occurred: " + message);
}

ApiStatus invalid(const std::string& kind, const std::string& group, const std::string& name,
                  const FieldErrors& errors) {
  ApiStatus s;
  s.code = 422;
  s.reason = "Invalid";
  s.name = name;
  s.group = group;
  s.kind = kind;
  std::string list;
  for (const auto& error : errors) {
    // The cause message is the error without its field: kubectl prints "field: message" itself.
    s.causes.push_back({std::string(cause_reason(error.type)), error.body(), error.field});
    list += (list.empty() ? "" : ", ") + error.to_string();
  }
  std::string what = group.empty() ? kind : kind + "." + group;
  s.message = errors.size() == 1 ? fmt::format("{} \"{}\" is invalid: {}", what, name, list)
                                 : fmt::format("{} \"{}\" is invalid: [{}]", what, name, list);
  return s;
}

Json success_status(const std::string& name, const std::string& group, const std::string& plural,
                    const std::string& uid) {
  Json details = {{"name", name}};
  if (!group.empty()) details["group"] = group;
  details["kind"] = plural;
  if (!uid.empty()) details["uid"] = uid;
  return Json{{"kind", "Status"},
              {"apiVersion", "v1"},
              {"metadata", Json::object()},
              {"status", "Success"},
              {"details", details}};
}

}  // namespace kthena::apiserver
