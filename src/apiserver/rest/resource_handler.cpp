#include "apiserver/rest/resource_handler.h"

#include "apiserver/apply/managed_fields.h"

#include <charconv>
#include <random>

#include <fmt/format.h>

#include "apiserver/object_rules.h"
#include "apiserver/rest/blocking.h"
#include "apiserver/rest/continue_token.h"
#include "apiserver/rest/object_matcher.h"
#include "apiserver/rest/pod_connect.h"
#include "apiserver/rest/request_body.h"
#include "apiserver/rest/response.h"
#include "apiserver/rest/watch_stream.h"
#include "apiserver/table/table_builder.h"

namespace kthena::apiserver {
namespace asio = http::asio;

struct ResourceHandler::Request {
  http::Exchange& exchange;
  const ApiPath& path;
  const http::QueryParams& query;
  const ServedResource& served;
  const ResourceInfo& info;
  Subresource subresource = Subresource::kNone;
  bool table = false;
};

namespace {

ApiStatus not_found_path() {
  ApiStatus s;
  s.code = 404;
  s.reason = "NotFound";
  s.message = "the server could not find the requested resource";
  return s;
}

// `user_agent` names the field manager when the request does not (kube-apiserver's prefixFromUserAgent).
ApiResult<WriteOptions> write_options(const http::QueryParams& query, bool with_validation,
                                      std::string_view user_agent) {
  WriteOptions options;
  std::string dry_run = query.get("dryRun");
  if (dry_run == "All") {
    options.dry_run = true;
  } else if (!dry_run.empty()) {
    return fail(bad_request(fmt::format("dryRun: Unsupported value: \"{}\": supported values: \"All\"", dry_run)));
  }
  options.field_manager = query.get("fieldManager");
  if (options.field_manager.empty()) options.field_manager = manager_from_user_agent(user_agent);
  std::string validation = query.get("fieldValidation");
  if (validation.empty() || validation == "Warn") {
    options.validation = FieldValidation::kWarn;
  } else if (validation == "Strict") {
    options.validation = FieldValidation::kStrict;
  } else if (validation == "Ignore") {
    options.validation = FieldValidation::kIgnore;
  } else {
    return fail(bad_request(fmt::format(
        "fieldValidation: Unsupported value: \"{}\": supported values: \"Ignore\", \"Strict\", \"Warn\"", validation)));
  }
  if (!with_validation) options.validation = FieldValidation::kIgnore;
  auto force = query.flag("force");
  if (!force) return fail(bad_request(force.error().message));
  options.force = *force;
  return options;
}

// g++ 12 can destroy a temporary twice when it is created inside ?:, && or || in a coroutine: the coroutines
// here call plain functions like these instead.

// The resourceVersion a watch starts after (0: from now, with the current objects first).
ApiResult<int64_t> watch_start(const http::QueryParams& query) {
  std::string rv = query.get("resourceVersion");
  if (rv.empty()) return 0;
  int64_t value = 0;
  auto [ptr, ec] = std::from_chars(rv.data(), rv.data() + rv.size(), value);
  if (ec != std::errc() || ptr != rv.data() + rv.size() || value < 0) {
    return fail(bad_request(fmt::format("invalid resourceVersion \"{}\"", rv)));
  }
  return value;
}

WatchFilter watch_filter(const ResourceInfo& info, const std::string& ns, ObjectMatcher matcher) {
  WatchFilter filter;
  filter.group = info.group;
  filter.resource = info.resource;
  if (info.namespaced) filter.ns = ns;
  filter.matches = std::move(matcher);
  return filter;
}

std::string list_json(const ResourceInfo& info, const Store::ListResult& result, const std::string& continue_token) {
  std::string out = "{\"kind\":\"" + info.list_kind + "\",\"apiVersion\":\"" + info.api_version() +
                    "\",\"metadata\":{\"resourceVersion\":\"" + std::to_string(result.rv) + "\"";
  if (!continue_token.empty()) out += ",\"continue\":\"" + continue_token + "\"";
  out += "},\"items\":[";
  for (size_t i = 0; i < result.items.size(); ++i) {
    if (i > 0) out += ',';
    out += *result.items[i].json;
  }
  out += "]}";
  return out;
}

}  // namespace

ResourceHandler::ResourceHandler(const ServedResources& resources, ObjectService& objects, Store& store,
                                 asio::any_io_executor blocking, ResourceHandlerOptions options)
    : resources_(resources), objects_(objects), store_(store), blocking_(std::move(blocking)), options_(options) {}

asio::awaitable<void> ResourceHandler::handle(http::Exchange& exchange, const ApiPath& path,
                                              const http::QueryParams& query) {
  const ServedResource* served = resources_.find(path.group, path.version, path.resource);
  if (served == nullptr || path.legacy != path.group.empty())
    co_return co_await respond_status(exchange, not_found_path());
  const ResourceInfo& info = served->info;
  std::string_view method = exchange.method();
  bool collection = path.name.empty();
  if (info.namespaced ? (path.ns.empty() && (!collection || method == "POST")) : !path.ns.empty()) {
    co_return co_await respond_status(exchange, not_found_path());
  }
  Request request{exchange, path, query, *served, info};
  if (path.subresource == "status" && info.status_subresource) {
    request.subresource = Subresource::kStatus;
  } else if (path.subresource == "scale" && info.scale) {
    request.subresource = Subresource::kScale;
  } else if (path.subresource == "binding" && info.group.empty() && info.resource == "pods" && method == "POST") {
    co_return co_await bind(request);
  } else if (info.group.empty() && info.resource == "pods" && !collection && is_pod_connect(path.subresource)) {
    PodConnectContext context{objects_, resources_, options_.kubelet_token};
    co_return co_await serve_pod_connect(exchange, context, path.ns, path.name, path.subresource, query);
  } else if (!path.subresource.empty()) {
    co_return co_await respond_status(exchange, not_found_path());
  }
  request.table = request.subresource != Subresource::kScale &&
                  exchange.header("Accept").find("as=Table") != std::string_view::npos;

  if (method == "GET") {
    if (!collection) co_return co_await get(request);
    auto watching = query.flag("watch");
    if (!watching) co_return co_await respond_status(exchange, bad_request(watching.error().message));
    if (*watching) co_return co_await watch(request);
    co_return co_await list(request);
  }
  if (method == "POST" && collection) co_return co_await create(request);
  if (method == "PUT" && !collection) co_return co_await update(request);
  if (method == "PATCH" && !collection) co_return co_await patch(request);
  if (method == "DELETE" && request.subresource == Subresource::kNone) {
    if (collection) co_return co_await remove_collection(request);
    co_return co_await remove(request);
  }
  co_await respond_status(exchange, method_not_allowed(fmt::format("the server does not allow this method on the "
                                                                   "requested resource")));
}

asio::awaitable<void> ResourceHandler::respond_object(Request& request, int status, const StoredObject& object,
                                                      const std::vector<std::string>& warnings) {
  if (request.subresource == Subresource::kScale) {
    auto scale = objects_.scale_of(request.info, object);
    if (!scale) co_return co_await respond_status(request.exchange, scale.error());
    co_return co_await respond_json(request.exchange, status, scale->dump(), warnings);
  }
  if (request.table) {
    std::vector<const Json*> one{object.object.get()};
    Json table = make_table(request.served.columns, one, std::to_string(object.rv), "");
    co_return co_await respond_json(request.exchange, status, table.dump(), warnings);
  }
  co_await respond_json(request.exchange, status, *object.json, warnings);
}

asio::awaitable<void> ResourceHandler::get(Request& request) {
  auto found = objects_.get(request.info, request.path.ns, request.path.name);
  if (!found) co_return co_await respond_status(request.exchange, found.error());
  co_await respond_object(request, 200, *found);
}

asio::awaitable<void> ResourceHandler::list(Request& request) {
  auto matcher = make_object_matcher(request.query.get("labelSelector"), request.query.get("fieldSelector"));
  if (!matcher) co_return co_await respond_status(request.exchange, bad_request(matcher.error().message));
  auto limit = request.query.integer("limit");
  if (!limit) co_return co_await respond_status(request.exchange, bad_request(limit.error().message));
  ListOptions options;
  options.matches = std::move(*matcher);
  options.limit = limit->value_or(0) > 0 ? static_cast<size_t>(**limit) : 0;
  if (std::string token = request.query.get("continue"); !token.empty()) {
    auto point = decode_continue(token);
    if (!point) co_return co_await respond_status(request.exchange, bad_request(point.error().message));
    if (!request.path.ns.empty() && point->ns != request.path.ns) {
      co_return co_await respond_status(request.exchange, bad_request("continue key is not valid: wrong namespace"));
    }
    options.after = std::make_pair(point->ns, point->name);
  }
  auto result = objects_.list(request.info, request.path.ns, options);
  std::string continue_token;
  if (result.next) continue_token = encode_continue({result.rv, result.next->first, result.next->second});
  if (request.table) {
    std::vector<const Json*> objects;
    objects.reserve(result.items.size());
    for (const auto& item : result.items) objects.push_back(item.object.get());
    Json table = make_table(request.served.columns, objects, std::to_string(result.rv), continue_token);
    co_return co_await respond_json(request.exchange, 200, table.dump());
  }
  co_await respond_json(request.exchange, 200, list_json(request.info, result, continue_token));
}

asio::awaitable<void> ResourceHandler::watch(Request& request) {
  auto matcher = make_object_matcher(request.query.get("labelSelector"), request.query.get("fieldSelector"));
  if (!matcher) co_return co_await respond_status(request.exchange, bad_request(matcher.error().message));
  auto from = watch_start(request.query);
  if (!from) co_return co_await respond_status(request.exchange, from.error());
  auto bookmarks = request.query.flag("allowWatchBookmarks");
  if (!bookmarks) co_return co_await respond_status(request.exchange, bad_request(bookmarks.error().message));
  auto timeout_seconds = request.query.integer("timeoutSeconds");
  if (!timeout_seconds)
    co_return co_await respond_status(request.exchange, bad_request(timeout_seconds.error().message));

  WatchStreamOptions options;
  options.bookmarks = *bookmarks;
  options.bookmark_interval = options_.bookmark_interval;
  options.kind = request.info.kind;
  options.api_version = request.info.api_version();
  if (request.table) options.table_columns = &request.served.columns;
  if (*timeout_seconds && **timeout_seconds > 0) {
    options.timeout = std::chrono::seconds(**timeout_seconds);
  } else {
    thread_local std::mt19937 random(std::random_device{}());
    auto min = options_.min_watch_timeout.count();
    options.timeout = std::chrono::milliseconds(min + static_cast<int64_t>(random() % static_cast<uint64_t>(min + 1)));
  }
  WatchFilter filter = watch_filter(request.info, request.path.ns, std::move(*matcher));
  auto subscribe = [this, &filter, start = *from] { return store_.watch(std::move(filter), start); };
  auto watcher = co_await run_blocking(blocking_, subscribe);
  if (!watcher) {
    auto status = status_from(watcher.error());
    if (watcher.error().code == ErrorCode::kGone) status.reason = "Expired";
    co_return co_await stream_watch_error(request.exchange, status);
  }
  co_await stream_watch(request.exchange, std::move(*watcher), std::move(options));
}

asio::awaitable<std::optional<std::string>> ResourceHandler::read_body(Request& request) {
  const auto& head = request.exchange.request();
  if (head.body == http::BodyKind::kLength && head.content_length > options_.max_body_bytes) {
    co_await respond_status(request.exchange,
                            too_large(fmt::format("the request body of {} bytes is larger than the limit of {} bytes",
                                                  head.content_length, options_.max_body_bytes)));
    request.exchange.close_after_response();
    co_return std::nullopt;
  }
  auto body = co_await request.exchange.read_body();
  if (!body) co_return std::nullopt;  // the HTTP server answers 413 or 400 itself
  if (body->size() > options_.max_body_bytes) {
    co_await respond_status(request.exchange, too_large(fmt::format("the request body is larger than the limit of {} "
                                                                    "bytes",
                                                                    options_.max_body_bytes)));
    co_return std::nullopt;
  }
  co_return std::string(*body);
}

asio::awaitable<void> ResourceHandler::create(Request& request) {
  auto options = write_options(request.query, true, request.exchange.header("User-Agent"));
  if (!options) co_return co_await respond_status(request.exchange, options.error());
  auto body = co_await read_body(request);
  if (!body) co_return;
  auto object = decode_object_body(request.exchange.header("Content-Type"), *body);
  if (!object) co_return co_await respond_status(request.exchange, object.error());
  auto work = [&] { return objects_.create(request.info, request.path.ns, std::move(*object), *options); };
  auto written = co_await run_blocking(blocking_, work);
  if (!written) co_return co_await respond_status(request.exchange, written.error());
  co_await respond_object(request, 201, written->object, written->warnings);
}

asio::awaitable<void> ResourceHandler::bind(Request& request) {
  auto body = co_await read_body(request);
  if (!body) co_return;
  auto binding = decode_object_body(request.exchange.header("Content-Type"), *body);
  if (!binding) co_return co_await respond_status(request.exchange, binding.error());
  const Json& target = binding->value("target", Json::object());
  std::string node = target.is_object() ? target.value("name", "") : "";
  if (node.empty()) co_return co_await respond_status(request.exchange, bad_request("binding target.name is required"));
  if (target.value("kind", "Node") != "Node") {
    co_return co_await respond_status(request.exchange, bad_request("binding target.kind must be Node"));
  }
  std::string uid = binding->value("metadata", Json::object()).value("uid", "");
  // As the real registry: a pod is bound once, never while being deleted, and a stated uid must be this pod's.
  std::optional<ApiStatus> refused;
  auto work = [&] {
    return objects_.mutate(request.info, request.path.ns, request.path.name, [&](Json& pod) {
      const Json& meta = pod["metadata"];
      std::string bound = pod.value("spec", Json::object()).value("nodeName", "");
      if (meta.contains("deletionTimestamp")) {
        refused = conflict("pods", "", request.path.name, "pod is being deleted, cannot be assigned to a host");
      } else if (!uid.empty() && meta.value("uid", "") != uid) {
        refused = conflict("pods", "", request.path.name, "the UID in the binding does not match the pod");
      } else if (!bound.empty()) {
        refused = conflict("pods", "", request.path.name,
                           fmt::format("pod {} is already assigned to node \"{}\"", request.path.name, bound));
      } else {
        pod["spec"]["nodeName"] = node;
      }
    });
  };
  auto written = co_await run_blocking(blocking_, work);
  if (!written) co_return co_await respond_status(request.exchange, written.error());
  if (refused) co_return co_await respond_status(request.exchange, *refused);
  Json status = {
      {"kind", "Status"}, {"apiVersion", "v1"}, {"metadata", Json::object()}, {"status", "Success"}, {"code", 201}};
  co_await respond_json(request.exchange, 201, status.dump());
}

asio::awaitable<void> ResourceHandler::update(Request& request) {
  auto options = write_options(request.query, true, request.exchange.header("User-Agent"));
  if (!options) co_return co_await respond_status(request.exchange, options.error());
  auto body = co_await read_body(request);
  if (!body) co_return;
  auto object = decode_object_body(request.exchange.header("Content-Type"), *body);
  if (!object) co_return co_await respond_status(request.exchange, object.error());
  auto work = [&] {
    return objects_.update(request.info, request.path.ns, request.path.name, std::move(*object), request.subresource,
                           *options);
  };
  auto written = co_await run_blocking(blocking_, work);
  if (!written) co_return co_await respond_status(request.exchange, written.error());
  co_await respond_object(request, 200, written->object, written->warnings);
}

asio::awaitable<void> ResourceHandler::patch(Request& request) {
  auto options = write_options(request.query, true, request.exchange.header("User-Agent"));
  if (!options) co_return co_await respond_status(request.exchange, options.error());
  auto type = patch_type_of(request.exchange.header("Content-Type"));
  if (!type) co_return co_await respond_status(request.exchange, type.error());
  if (*type == PatchType::kApply && options->field_manager.empty()) {
    co_return co_await respond_status(request.exchange,
                                      bad_request("PATCH requests with apply content type must have fieldManager set"));
  }
  auto body = co_await read_body(request);
  if (!body) co_return;
  auto patch_body = decode_patch_body(*type, *body);
  if (!patch_body) co_return co_await respond_status(request.exchange, patch_body.error());
  auto work = [&] {
    return objects_.patch(request.info, request.path.ns, request.path.name, *type, *patch_body, request.subresource,
                          *options);
  };
  auto written = co_await run_blocking(blocking_, work);
  if (!written) co_return co_await respond_status(request.exchange, written.error());
  co_await respond_object(request, written->created ? 201 : 200, written->object, written->warnings);
}

namespace {

ApiResult<DeleteOptions> delete_options(const http::QueryParams& query, std::string_view body) {
  DeleteOptions options;
  if (!body.empty()) {
    auto decoded = decode_object_body("application/json", body);
    if (!decoded) return fail(decoded.error());
    const Json& j = *decoded;
    if (!j.is_object()) return fail(bad_request("DeleteOptions must be a JSON object"));
    if (auto it = j.find("propagationPolicy"); it != j.end() && it->is_string()) options.propagation = *it;
    if (auto it = j.find("orphanDependents"); it != j.end() && it->is_boolean() && options.propagation.empty()) {
      options.propagation = it->get<bool>() ? "Orphan" : "Background";
    }
    if (auto it = j.find("gracePeriodSeconds"); it != j.end() && it->is_number_integer()) {
      options.grace_period_seconds = it->get<int64_t>();
    }
    if (auto it = j.find("preconditions"); it != j.end() && it->is_object()) {
      options.precondition_uid = string_at(*it, "uid");
      options.precondition_resource_version = string_at(*it, "resourceVersion");
    }
    if (auto it = j.find("dryRun"); it != j.end() && it->is_array()) {
      for (const auto& v : *it) options.dry_run = options.dry_run || v == "All";
    }
  }
  if (auto p = query.get("propagationPolicy"); !p.empty()) options.propagation = p;
  auto grace = query.integer("gracePeriodSeconds");
  if (!grace) return fail(bad_request(grace.error().message));
  if (*grace) options.grace_period_seconds = **grace;
  if (query.get("dryRun") == "All") options.dry_run = true;
  return options;
}

}  // namespace

asio::awaitable<void> ResourceHandler::remove(Request& request) {
  auto body = co_await read_body(request);
  if (!body) co_return;
  auto options = delete_options(request.query, *body);
  if (!options) co_return co_await respond_status(request.exchange, options.error());
  auto work = [&] { return objects_.remove(request.info, request.path.ns, request.path.name, *options); };
  auto deleted = co_await run_blocking(blocking_, work);
  if (!deleted) co_return co_await respond_status(request.exchange, deleted.error());
  if (deleted->gone) {
    Json status =
        success_status(request.path.name, request.info.group, request.info.resource, uid_of(*deleted->object.object));
    co_return co_await respond_json(request.exchange, 200, status.dump());
  }
  co_await respond_object(request, 200, deleted->object);
}

asio::awaitable<void> ResourceHandler::remove_collection(Request& request) {
  auto body = co_await read_body(request);
  if (!body) co_return;
  auto options = delete_options(request.query, *body);
  if (!options) co_return co_await respond_status(request.exchange, options.error());
  auto matcher = make_object_matcher(request.query.get("labelSelector"), request.query.get("fieldSelector"));
  if (!matcher) co_return co_await respond_status(request.exchange, bad_request(matcher.error().message));
  auto work = [&] {
    ListOptions list_options;
    list_options.matches = *matcher;
    auto listed = objects_.list(request.info, request.path.ns, list_options);
    Store::ListResult deleted;
    deleted.rv = listed.rv;
    for (const auto& item : listed.items) {
      const auto& meta = (*item.object)["metadata"];
      auto r = objects_.remove(request.info, string_at(meta, "namespace"), string_at(meta, "name"), *options);
      if (r) deleted.items.push_back(r->object);
    }
    deleted.rv = store_.resource_version();
    return deleted;
  };
  auto result = co_await run_blocking(blocking_, work);
  co_await respond_json(request.exchange, 200, list_json(request.info, result, ""));
}

}  // namespace kthena::apiserver
