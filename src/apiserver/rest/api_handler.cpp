#include "apiserver/rest/api_handler.h"

#include <fmt/format.h>

#include "apiserver/rest/api_path.h"
#include "apiserver/rest/discovery.h"
#include "apiserver/rest/request_body.h"
#include "apiserver/rest/response.h"
#include "apiserver/rest/reviews.h"
#include "apiserver/rest/watch_metrics.h"
#include "common/log.h"
#include "common/version.h"
#include "http/loopback.h"
#include "http/query_params.h"

namespace kthena::apiserver {
namespace asio = http::asio;

namespace {

ApiStatus not_found_path() {
  ApiStatus s;
  s.code = 404;
  s.reason = "NotFound";
  s.message = "the server could not find the requested resource";
  return s;
}

// g++ 12 can destroy a temporary twice when it is created inside ?:, && or || in a coroutine, so the coroutines
// below call these plain functions instead of writing such expressions.
// Watches and followed logs last as long as the client wants: they count against the watch limit, not the limit of
// requests in flight.
bool is_long_running(const http::QueryParams& query, std::string_view path) {
  std::string flag = query.get(path.ends_with("/log") ? "follow" : "watch");
  return flag == "true" || flag == "1";
}

std::string group_list_body(const ServedResources& resources, const ApiPath& path, std::string_view host,
                            bool aggregated) {
  if (aggregated) return aggregated_discovery(resources, path.legacy).dump();
  if (path.legacy) return legacy_core_versions(std::string(host)).dump();
  return legacy_group_list(resources).dump();
}

ApiStatus forbidden_host(std::string_view host) {
  ApiStatus s;
  s.code = 403;
  s.reason = "Forbidden";
  s.message = fmt::format(
      "the API server without TLS answers only requests addressed to a loopback host, not \"{}\": "
      "a web page could otherwise reach it by a DNS name that resolves to 127.0.0.1",
      host);
  return s;
}

ApiStatus forbidden_browser() {
  ApiStatus s;
  s.code = 403;
  s.reason = "Forbidden";
  s.message =
      "the API server without TLS refuses requests from web browsers (Origin or Sec-Fetch-Site header): it has no "
      "token, so any page the user visits could otherwise change the cluster";
  return s;
}

ApiStatus unauthorized() {
  ApiStatus s;
  s.code = 401;
  s.reason = "Unauthorized";
  s.message = "Unauthorized";
  return s;
}

}  // namespace

std::string version_json() {
  return Json{{"major", "1"},
              {"minor", "32"},
              {"gitVersion", "v1.32.0+kthena"},
              {"gitCommit", std::string(kGitCommit)},
              {"gitTreeState", "clean"},
              {"buildDate", "2025-01-01T00:00:00Z"},
              {"goVersion", "go1.23.4"},
              {"compiler", "gc"},
              {"platform", "linux/amd64"}}
      .dump();
}

ApiHandler::ApiHandler(const ServedResources& resources, ResourceHandler& resource_handler, const api::OpenApi* openapi,
                       ApiHandlerOptions options)
    : resources_(resources),
      resource_handler_(resource_handler),
      openapi_(openapi),
      options_(std::move(options)),
      requests_(options_.requests),
      watches_(options_.watches),
      anonymous_(anonymous_identity()) {}

asio::awaitable<void> ApiHandler::handle(http::Exchange& exchange) {
  const auto started = std::chrono::steady_clock::now();
  const Identity* caller = nullptr;
  std::string failure;
  try {
    co_await route(exchange, caller);
  } catch (const std::exception& e) {
    failure = e.what();
  }
  if (!failure.empty()) {
    spdlog::error("apiserver: {} {}: {}", exchange.method(), exchange.path(), failure);
    if (!exchange.responded()) co_await respond_status(exchange, internal_error(failure));
  }
  account(exchange, caller, std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
}

RequestLabels ApiHandler::labels_of(const http::Exchange& exchange) const {
  RequestLabels labels;
  const std::string_view method = exchange.method();
  labels.verb = std::string(method);
  auto path = parse_api_path(exchange.path());
  if (!path || path->level != ApiPath::Level::kResource) return labels;
  bool served = resources_.find(path->group, path->version, path->resource) != nullptr || find_review(*path) != nullptr;
  if (!served) return labels;
  labels.group = path->group;
  labels.version = path->version;
  labels.resource = path->resource;
  labels.subresource = path->subresource;
  labels.scope = !path->name.empty() ? "resource" : !path->ns.empty() ? "namespace" : "cluster";
  auto query = http::QueryParams::parse(exchange.request().query());
  if (query && query->get("dryRun") == "All") labels.dry_run = "All";
  if (method == "GET" && path->name.empty()) {
    labels.verb = query && (query->get("watch") == "true" || query->get("watch") == "1") ? "WATCH" : "LIST";
  } else if (method == "DELETE" && path->name.empty()) {
    labels.verb = "DELETECOLLECTION";
  } else if (method == "PATCH" && media_type(exchange.header("Content-Type")) == "application/apply-patch+yaml") {
    labels.verb = "APPLY";
  }
  return labels;
}

void ApiHandler::account(const http::Exchange& exchange, const Identity* caller, double seconds) {
  const int code = exchange.response_status();
  RequestLabels labels = labels_of(exchange);
  // As kube-apiserver: the lifetime of a watch or a followed log is not a latency.
  const bool long_running = labels.verb == "WATCH" || (labels.subresource == "log" && seconds > 1);
  if (!long_running) metrics_.record(labels, code, seconds);
  if (options_.request_log == ApiHandlerOptions::RequestLog::kAll ||
      (options_.request_log == ApiHandlerOptions::RequestLog::kErrors && code >= 400)) {
    std::string_view query = exchange.request().query();
    spdlog::info("apiserver: request {} {}{}{} user={} code={} latency={:.1f}ms", labels.verb, exchange.path(),
                 query.empty() ? "" : "?", query, caller != nullptr ? caller->user : std::string("-"), code,
                 seconds * 1000);
  }
}

asio::awaitable<void> ApiHandler::route(http::Exchange& exchange, const Identity*& caller) {
  std::string_view path = exchange.path();
  if (path == "/healthz" || path == "/livez") {
    co_return co_await respond_json(exchange, 200, "ok", {}, "text/plain; charset=utf-8");
  }
  if (path == "/readyz") {
    bool ready = ready_.load();
    co_return co_await respond_json(exchange, ready ? 200 : 503, ready ? "ok" : "not ready", {},
                                    "text/plain; charset=utf-8");
  }
  caller = &anonymous_;
  const bool anonymous = options_.authenticator.anonymous();
  if (!anonymous) {
    caller = options_.authenticator.authenticate(exchange.header("Authorization"));
    if (caller == nullptr) co_return co_await respond_status(exchange, unauthorized());
  }
  // Without a token (--insecure-http, loopback only) only the headers tell a local client from a web page: a page
  // that rebound its own DNS name to 127.0.0.1 sends its name as Host; any page's request (a form, a fetch with no
  // CORS, whose body may have no Content-Type) carries Origin or Sec-Fetch-Site, which no command-line client sends.
  if (anonymous && !exchange.header("Host").empty() &&
      !http::is_loopback_host(http::authority_host(exchange.header("Host")))) {
    co_return co_await respond_status(exchange, forbidden_host(exchange.header("Host")));
  }
  if (anonymous && (!exchange.header("Origin").empty() || !exchange.header("Sec-Fetch-Site").empty())) {
    co_return co_await respond_status(exchange, forbidden_browser());
  }

  auto query = http::QueryParams::parse(exchange.request().query());
  if (!query) co_return co_await respond_status(exchange, bad_request(query.error().message));
  ClientLimiter& limiter = is_long_running(*query, path) ? watches_ : requests_;
  // Anonymous requests share nothing but their address to tell clients apart.
  std::string client = "user:" + caller->user;
  if (anonymous) client = "address:" + std::string(exchange.remote_address());
  size_t seat_factor = 1;
  if (caller->system) seat_factor = 2;
  auto slot = co_await limiter.acquire(std::move(client), seat_factor);
  if (!slot) {
    co_return co_await respond_status(exchange, too_many_requests("Too many requests, please try again later.", 1));
  }

  if (path == "/version" || path == "/version/") co_return co_await respond_json(exchange, 200, version_json());
  if (path == "/metrics") {
    std::string text = metrics_.exposition();
    if (options_.watch_hub != nullptr) text += watch_metrics_exposition(*options_.watch_hub);
    co_return co_await respond_json(exchange, 200, text, {}, "text/plain; version=0.0.4; charset=utf-8");
  }
  if (path == "/openapi/v2") co_return co_await respond_status(exchange, not_found_path());
  if (path.rfind("/openapi/v3", 0) == 0) co_return co_await openapi(exchange, path, exchange.request().query());

  auto api_path = parse_api_path(path);
  if (!api_path) co_return co_await respond_status(exchange, not_found_path());
  if (exchange.method() != "GET" && api_path->level != ApiPath::Level::kResource) {
    co_return co_await respond_status(exchange, method_not_allowed("the server does not allow this method on the "
                                                                   "requested resource"));
  }
  if (const ReviewResource* review = find_review(*api_path)) {
    co_return co_await serve_review(exchange, *review, *caller, options_.authenticator);
  }
  switch (api_path->level) {
    case ApiPath::Level::kGroupList: {
      bool aggregated = exchange.header("Accept").find("as=APIGroupDiscoveryList") != std::string_view::npos;
      std::string body = group_list_body(resources_, *api_path, exchange.header("Host"), aggregated);
      std::string type(aggregated ? kAggregatedDiscoveryContentType : std::string_view("application/json"));
      co_return co_await respond_json(exchange, 200, std::move(body), {}, std::move(type));
    }
    case ApiPath::Level::kGroup: {
      auto body = legacy_group(resources_, api_path->group);
      if (body.is_null()) co_return co_await respond_status(exchange, not_found_path());
      co_return co_await respond_json(exchange, 200, body.dump());
    }
    case ApiPath::Level::kGroupVersion: {
      if (api_path->legacy != api_path->group.empty()) co_return co_await respond_status(exchange, not_found_path());
      auto body = resource_list(resources_, api_path->group, api_path->version);
      if (body.is_null()) co_return co_await respond_status(exchange, not_found_path());
      co_return co_await respond_json(exchange, 200, body.dump());
    }
    case ApiPath::Level::kResource:
      co_return co_await resource_handler_.handle(exchange, *api_path, *query);
  }
}

asio::awaitable<void> ApiHandler::openapi(http::Exchange& exchange, std::string_view path, std::string_view query) {
  if (path == "/openapi/v3" || path == "/openapi/v3/") {
    std::string index = "{\"paths\":{}}";
    if (openapi_ != nullptr) index = openapi_->index_json();
    co_return co_await respond_json(exchange, 200, std::move(index));
  }
  std::string gv(path.substr(std::string_view("/openapi/v3/").size()));
  const auto* document = openapi_ != nullptr ? openapi_->find(gv) : nullptr;
  if (document == nullptr) co_return co_await respond_status(exchange, not_found_path());
  auto params = http::QueryParams::parse(query);
  std::string requested_hash;
  if (params) requested_hash = params->get("hash");
  bool hashed = requested_hash == document->hash;
  std::string etag = "\"" + document->hash + "\"";
  // A request by the current hash may be cached forever: the hash changes with the document.
  std::vector<http::Header> headers{{"Content-Type", "application/json"}, {"ETag", etag}};
  if (hashed) {
    headers.push_back({"Cache-Control", "public, immutable"});
    headers.push_back({"Expires", "Thu, 31 Dec 2099 23:59:59 GMT"});
  } else {
    headers.push_back({"Cache-Control", "no-cache, private"});
  }
  (void)co_await exchange.respond(200, headers, document->json);
}

}  // namespace kthena::apiserver
