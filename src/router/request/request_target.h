// What the router checks about a request's method and target before reading its body: the path must be in normal
// form, and the method one the endpoint takes. Also the bounded `path` label of the request metrics.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace kthena::router {

// Why a target is refused, or nullopt. The router routes by path prefix (`/v1/`) and the engine behind it resolves
// paths its own way, so a path that two readers could read as two paths — dot segments (plain or percent-encoded),
// empty segments, encoded slashes or backslashes — is refused rather than normalised: before this, `/v1/../metrics`
// passed the `/v1/*` rule and reached whatever the engine serves at `/metrics`. No OpenAI client sends such a path.
std::optional<std::string> target_problem(std::string_view target);

// The methods `path` (a /v1/ path) takes, for the Allow header of a 405: "GET, HEAD" for the model list, "POST" for
// inference endpoints. Empty when `method` is one of them.
std::string_view disallowed_method(std::string_view method, std::string_view path);

// The `path` label of the request metrics: the path itself for the OpenAI endpoints engines serve, "other" for any
// other, so that a client sending random paths cannot grow the metrics without bound (upstream labels the raw path).
std::string_view path_label(std::string_view path);

}  // namespace kthena::router
