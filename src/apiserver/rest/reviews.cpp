#include "apiserver/rest/reviews.h"

#include "apiserver/rest/request_body.h"
#include "apiserver/rest/response.h"

namespace kthena::apiserver {
namespace asio = http::asio;

namespace {

constexpr size_t kMaxReviewBody = 64 * 1024;
constexpr std::string_view kAllowedReason =
    "kthena: every authenticated identity may do everything (the embedded API server has no RBAC)";

Json user_info(const Identity& identity) {
  return {{"username", identity.user}, {"groups", identity.groups}};
}

// The review's spec as sent, when the body is JSON. kubectl sends protobuf, whose spec only matters to an
// authorizer; with no RBAC there is nothing to decide from it, and the answer carries the status alone.
ApiResult<Json> spec_of(std::string_view content_type, std::string_view body) {
  if (media_type(content_type) != "application/json") return Json::object();
  auto decoded = decode_object_body(content_type, body);
  if (!decoded) return fail(decoded.error());
  if (!decoded->is_object()) return fail(bad_request("the review must be a JSON object"));
  auto spec = decoded->find("spec");
  if (spec == decoded->end() || spec->is_null()) return Json::object();
  if (!spec->is_object()) return fail(bad_request("spec must be an object"));
  return *spec;
}

}  // namespace

const std::vector<ReviewResource>& review_resources() {
  static const std::vector<ReviewResource> kReviews{
      {"authentication.k8s.io", "v1", "selfsubjectreviews", "SelfSubjectReview"},
      {"authentication.k8s.io", "v1", "tokenreviews", "TokenReview"},
      {"authorization.k8s.io", "v1", "selfsubjectaccessreviews", "SelfSubjectAccessReview"},
      {"authorization.k8s.io", "v1", "selfsubjectrulesreviews", "SelfSubjectRulesReview"},
  };
  return kReviews;
}

const ReviewResource* find_review(const ApiPath& path) {
  if (path.legacy || path.level != ApiPath::Level::kResource) return nullptr;
  for (const auto& review : review_resources()) {
    if (review.group == path.group && review.version == path.version && review.resource == path.resource) {
      return path.ns.empty() && path.name.empty() && path.subresource.empty() ? &review : nullptr;
    }
  }
  return nullptr;
}

asio::awaitable<void> serve_review(http::Exchange& exchange, const ReviewResource& review, const Identity& caller,
                                   const Authenticator& authenticator) {
  if (exchange.method() != "POST") {
    co_return co_await respond_status(exchange, method_not_allowed("the server does not allow this method on the "
                                                                   "requested resource"));
  }
  if (exchange.request().body == http::BodyKind::kLength && exchange.request().content_length > kMaxReviewBody) {
    exchange.close_after_response();
    co_return co_await respond_status(exchange, too_large("a review body is limited to 64 KiB"));
  }
  auto body = co_await exchange.read_body();
  if (!body) co_return;  // the HTTP server answered
  std::string content_type(exchange.header("Content-Type"));
  auto spec = spec_of(content_type, *body);
  if (!spec) co_return co_await respond_status(exchange, spec.error());

  Json out = {{"kind", review.kind},
              {"apiVersion", review.group + "/" + review.version},
              {"metadata", {{"creationTimestamp", nullptr}}}};
  if (!spec->empty()) out["spec"] = *spec;
  if (review.resource == "selfsubjectreviews") {
    out["status"] = {{"userInfo", user_info(caller)}};
  } else if (review.resource == "tokenreviews") {
    auto token = spec->find("token");
    if (token == spec->end() || !token->is_string() || token->get<std::string>().empty()) {
      co_return co_await respond_status(exchange, bad_request("spec.token: Required value: a TokenReview needs the "
                                                              "token to review, in a JSON body"));
    }
    out["spec"] = Json::object();  // the token is not echoed back
    const Identity* identity = authenticator.find(token->get<std::string>());
    if (identity != nullptr) {
      out["status"] = {{"authenticated", true}, {"user", user_info(*identity)}};
    } else {
      out["status"] = {{"authenticated", false}, {"user", Json::object()}};
    }
  } else if (review.resource == "selfsubjectaccessreviews") {
    out["status"] = {{"allowed", true}, {"reason", kAllowedReason}};
  } else {
    out["status"] = {{"resourceRules", Json::array({{{"verbs", {"*"}}, {"apiGroups", {"*"}}, {"resources", {"*"}}}})},
                     {"nonResourceRules", Json::array({{{"verbs", {"*"}}, {"nonResourceURLs", {"*"}}}})},
                     {"incomplete", false}};
  }
  co_return co_await respond_json(exchange, 201, out.dump());
}

}  // namespace kthena::apiserver
