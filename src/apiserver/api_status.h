// The failure answers of the API server, as Kubernetes `Status` objects (kubectl-protocol.md §11). kubectl prints
// `message` verbatim for most reasons and builds its own text from `details` for 422, so both follow the real API
// server's wording.
#pragma once

#include <string>
#include <vector>

#include <tl/expected.hpp>

#include "api/field_error.h"
#include "api/json.h"
#include "common/result.h"

namespace kthena::apiserver {

struct StatusCause {
  std::string reason;  // FieldValueInvalid, FieldValueRequired, ..., FieldManagerConflict
  std::string message;
  std::string field;
};

struct ApiStatus {
  int code = 500;
  std::string reason;  // "NotFound", "Conflict", "Invalid", ...; empty for a bare 500
  std::string message;
  // details: which object, by name, API group and kind (the plural for most reasons, the Kind for Invalid).
  std::string name;
  std::string group;
  std::string kind;
  std::string uid;
  std::vector<StatusCause> causes;
  int retry_after_seconds = 0;

  Json to_json() const;
};

template <class T>
using ApiResult = tl::expected<T, ApiStatus>;

inline tl::unexpected<ApiStatus> fail(ApiStatus status) {
  return tl::unexpected<ApiStatus>(std::move(status));
}

// An Error from a lower layer (codec, store) as a Status with the matching code and reason.
ApiStatus status_from(const Error& error);

// The texts of the real API server. `resource` is "modelservings.workload.serving.volcano.sh" (the plural, dotted
// with the group unless core), `plural`/`group` go to details.
ApiStatus not_found(const std::string& plural, const std::string& group, const std::string& name);
ApiStatus already_exists(const std::string& plural, const std::string& group, const std::string& name);
ApiStatus conflict(const std::string& plural, const std::string& group, const std::string& name,
                   const std::string& why =
                       "the object has been modified; please apply your changes to the latest "
                       "version and try again");
ApiStatus bad_request(std::string message);
ApiStatus forbidden(std::string message);
ApiStatus unsupported_media_type(std::string message);
ApiStatus method_not_allowed(std::string message);
ApiStatus too_large(std::string message);
ApiStatus too_many_requests(std::string message, int retry_after_seconds);
ApiStatus internal_error(std::string message);
// 422: `Kind.group "name" is invalid: <errors>`, with one cause per field error.
ApiStatus invalid(const std::string& kind, const std::string& group, const std::string& name,
                  const FieldErrors& errors);

// "modelservings.workload.serving.volcano.sh", or "configmaps" for the core group.
std::string qualified_resource(const std::string& plural, const std::string& group);

// A Success Status, as DELETE answers when the object is gone.
Json success_status(const std::string& name, const std::string& group, const std::string& plural,
                    const std::string& uid);

}  // namespace kthena::apiserver
