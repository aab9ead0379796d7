// The review APIs, which answer about the caller and store nothing (POST only):
//   authentication.k8s.io/v1 selfsubjectreviews        kubectl auth whoami
//   authentication.k8s.io/v1 tokenreviews              a node agent checking the token the API server presents
//   authorization.k8s.io/v1 selfsubjectaccessreviews   kubectl auth can-i VERB RESOURCE
//   authorization.k8s.io/v1 selfsubjectrulesreviews    kubectl auth can-i --list
// There is no RBAC: every authenticated identity may do everything, and the answers say so.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "apiserver/auth/authenticator.h"
#include "apiserver/rest/api_path.h"
#include "http/asio.h"
#include "http/exchange.h"

namespace kthena::apiserver {

struct ReviewResource {
  std::string group;
  std::string version;
  std::string resource;  // plural
  std::string kind;
};

// The four above, in discovery order.
const std::vector<ReviewResource>& review_resources();
// The review resource `path` names (a collection: no namespace, name or subresource); null otherwise.
const ReviewResource* find_review(const ApiPath& path);

// Answers a review request: 201 with the review and its status, 405 for a method other than POST, 400/415 for a body
// that is not a review.
http::asio::awaitable<void> serve_review(http::Exchange& exchange, const ReviewResource& review, const Identity& caller,
                                         const Authenticator& authenticator);

}  // namespace kthena::apiserver
