#include "kube/client.h"

#include <fstream>
#include <future>
#include <sstream>

#include <fmt/format.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_future.hpp>

#include "api/codec/json_decoder.h"
#include "http/client.h"
#include "http/reactor.h"
#include "kube/api_error.h"
#include "kube/watch_stream.h"

namespace kthena::kube {
namespace asio = http::asio;
using namespace boost::asio::experimental::awaitable_operators;

namespace {

// Only the reactor thread touches this. Each wait of the watch coroutine races this timer, whose completion cancels
// the operation in progress (aborting the response under a pending read would free its connection): stop() cancels
// it (`cancelled`), or it expires after the idle timeout, re-armed for every wait.
struct WatchCancel {
  WatchCancel(asio::any_io_executor executor, std::chrono::milliseconds idle_timeout)
      : timer(std::move(executor)), idle(idle_timeout) {}
  // Only between waits: moving the expiry cancels a pending wait.
  void arm() {
    if (idle.count() > 0) {
      timer.expires_after(idle);
    } else {
      timer.expires_at(asio::steady_timer::time_point::max());
    }
  }
  Error idle_error() const {
    return Error{ErrorCode::kTimeout, "", fmt::format("no watch event or bookmark for {} ms", idle.count())};
  }
  asio::steady_timer timer;
  const std::chrono::milliseconds idle;
  bool cancelled = false;
};

asio::awaitable<void> until_expired(asio::steady_timer& timer) {
  (void)co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
}

// fetch() bounded as a whole; 0: unbounded (the client's per-phase timeouts still apply).
asio::awaitable<Result<http::BufferedResponse>> fetch_within(http::Client& client, const http::Endpoint& endpoint,
                                                             const http::ClientRequest& request,
                                                             std::chrono::milliseconds timeout) {
  if (timeout.count() <= 0) co_return co_await client.fetch(endpoint, request);
  asio::steady_timer timer(client.executor());
  timer.expires_after(timeout);
  // Whichever finishes first cancels the other: a request still running at the deadline is cut, its connection closed.
  auto raced = co_await (client.fetch(endpoint, request) || until_expired(timer));
  if (raced.index() == 1) {
    std::string message = fmt::format("no answer from {} within {} ms", endpoint.key(), timeout.count());
    co_return fail(ErrorCode::kTimeout, std::move(message));
  }
  co_return std::move(std::get<0>(raced));
}

constexpr auto kTokenRefresh = std::chrono::seconds(60);

}  // namespace

std::string query_escape(std::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

struct KubeClient::Impl {
  http::Endpoint endpoint;
  std::string prefix;  // a path the server URL carries ("https://host/k8s/clusters/c1")
  std::string user_agent;
  std::unique_ptr<http::Client> requests;        // bounded response time
  std::unique_ptr<http::Client> watches;         // no response timeout: a watch is quiet for minutes
  std::chrono::milliseconds request_timeout{0};  // RestConfig::timeout
  std::unique_ptr<http::ReactorPool> pool;       // declared last: destroyed first, while the clients still exist

  std::mutex token_mutex;
  std::string token;
  std::chrono::steady_clock::time_point token_read{};

  std::mutex watch_mutex;
  std::vector<std::weak_ptr<WatchStream::State>> live_watches;

  asio::any_io_executor executor() { return pool->reactor(0).executor(); }

  std::string bearer(const RestConfig& config) {
    std::lock_guard lock(token_mutex);
    if (config.bearer_token_file.empty()) return config.bearer_token;
    auto now = std::chrono::steady_clock::now();
    if (token.empty() || now - token_read > kTokenRefresh) {
      std::ifstream in(config.bearer_token_file);
      std::stringstream text;
      text << in.rdbuf();
      std::string fresh = text.str();
      while (!fresh.empty() && (fresh.back() == '\n' || fresh.back() == '\r')) fresh.pop_back();
      if (!fresh.empty()) token = fresh;
      if (token.empty()) token = config.bearer_token;
      token_read = now;
    }
    return token;
  }
};

namespace {

asio::awaitable<Result<RawResponse>> send_request(KubeClient::Impl* impl, std::string method, std::string target,
                                                  std::string body, std::string content_type, std::string token) {
  // No ?: with string temporaries in a coroutine: g++ 12 may destroy them twice.
  std::string authorization;
  if (!token.empty()) authorization = "Bearer " + token;
  std::vector<http::Header> headers{{"Accept", "application/json"}, {"User-Agent", impl->user_agent}};
  if (!authorization.empty()) headers.push_back({"Authorization", authorization});
  if (!content_type.empty()) headers.push_back({"Content-Type", content_type});
  http::ClientRequest request{method, target, headers, body};
  auto response = co_await fetch_within(*impl->requests, impl->endpoint, request, impl->request_timeout);
  if (!response) co_return fail(response.error());
  co_return RawResponse{response->status, std::string(response->header("Content-Type")), std::move(response->body)};
}

void finish_watch(const std::shared_ptr<WatchStream::State>& state, std::optional<Error> error) {
  std::lock_guard lock(state->mutex);
  if (!state->ended) state->error = std::move(error);
  state->ended = true;
  state->finished = true;
  state->cancel = nullptr;
  state->ready.notify_all();
}

// `raw`: the body's pieces as DATA events (a streamed log) instead of one JSON watch event per line.
asio::awaitable<void> run_watch(KubeClient::Impl* impl, std::shared_ptr<WatchStream::State> state,
                                std::shared_ptr<WatchCancel> cancel, std::string target, std::string token, bool raw) {
  // No ?: with string temporaries in a coroutine: g++ 12 may destroy them twice.
  std::string authorization;
  if (!token.empty()) authorization = "Bearer " + token;
  std::vector<http::Header> headers{{"Accept", "application/json"}, {"User-Agent", impl->user_agent}};
  if (!authorization.empty()) headers.push_back({"Authorization", authorization});
  http::ClientRequest request{"GET", target, headers, {}};
  if (cancel->cancelled) co_return finish_watch(state, std::nullopt);  // stopped before it began
  cancel->arm();
  auto raced = co_await (impl->watches->send(impl->endpoint, request) || until_expired(cancel->timer));
  if (cancel->cancelled) co_return finish_watch(state, std::nullopt);
  if (raced.index() == 1) co_return finish_watch(state, cancel->idle_error());
  auto& sent = std::get<0>(raced);
  if (!sent) co_return finish_watch(state, sent.error());
  http::ClientResponse response = std::move(*sent);
  if (response.status() != 200) {
    cancel->arm();
    auto body = co_await (response.read_all(1024 * 1024) || until_expired(cancel->timer));
    std::string text;
    if (body.index() == 0 && std::get<0>(body)) text = std::move(*std::get<0>(body));
    if (body.index() == 1) response.abort();
    co_return finish_watch(state, error_from_response(response.status(), text));
  }
  std::optional<Error> failure;
  for (;;) {
    if (cancel->cancelled) break;
    // The read races the cancel timer; whichever finishes first cancels the other.
    cancel->arm();
    auto read = raw ? response.read_some() : response.read_line();
    auto expired = until_expired(cancel->timer);
    auto next = co_await (std::move(read) || std::move(expired));
    if (cancel->cancelled) break;
    if (next.index() == 1) {
      failure = cancel->idle_error();
      break;
    }
    auto& line = std::get<0>(next);
    if (!line) {
      failure = line.error();
      break;
    }
    if (!*line) break;
    if ((*line)->empty()) continue;
    if (raw) {
      std::lock_guard lock(state->mutex);
      state->events.push_back(WatchEvent{"DATA", Json(std::string(**line))});
      state->ready.notify_all();
      continue;
    }
    auto parsed = api::decode_json(**line, "watch event");
    if (!parsed || !parsed->is_object() || !parsed->contains("type") || !(*parsed)["type"].is_string()) {
      failure = Error{ErrorCode::kBadRequest, "", "malformed watch event: " + std::string((*line)->substr(0, 200))};
      break;
    }
    WatchEvent event{(*parsed)["type"].get<std::string>(), std::move((*parsed)["object"])};
    std::lock_guard lock(state->mutex);
    state->events.push_back(std::move(event));
    state->ready.notify_all();
  }
  if (cancel->cancelled || failure) response.abort();
  finish_watch(state, std::move(failure));
}

}  // namespace

KubeClient::KubeClient(RestConfig config) : config_(std::move(config)), impl_(std::make_unique<Impl>()) {}

KubeClient::~KubeClient() {
  std::vector<std::shared_ptr<WatchStream::State>> live;
  {
    std::lock_guard lock(impl_->watch_mutex);
    for (auto& weak : impl_->live_watches) {
      if (auto state = weak.lock()) live.push_back(std::move(state));
    }
  }
  // Watches first: their coroutines hold connections of the HTTP clients.
  for (auto& state : live) {
    WatchStream(state).stop();
    std::unique_lock lock(state->mutex);
    state->ready.wait_for(lock, std::chrono::seconds(5), [&] { return state->finished; });
  }
  // The HTTP clients' sockets and timers belong to the reactor: destroy them there, while it still runs.
  std::promise<void> destroyed;
  asio::post(impl_->executor(), [this, &destroyed] {
    impl_->requests.reset();
    impl_->watches.reset();
    destroyed.set_value();
  });
  destroyed.get_future().wait();
  impl_->pool->stop();
}

Result<std::shared_ptr<KubeClient>> KubeClient::create(RestConfig config) {
  auto url = http::parse_url(config.server);
  if (!url) return fail(url.error());
  std::shared_ptr<KubeClient> client(new KubeClient(std::move(config)));
  auto& impl = *client->impl_;
  impl.endpoint = url->endpoint;
  impl.prefix = url->target == "/" ? std::string() : url->target;
  while (!impl.prefix.empty() && impl.prefix.back() == '/') impl.prefix.pop_back();
  impl.user_agent = client->config_.user_agent;
  impl.request_timeout = client->config_.timeout;
  impl.pool = std::make_unique<http::ReactorPool>(1);
  impl.pool->start();

  http::ClientOptions options;
  options.tls.ca_pem = client->config_.ca_pem;
  options.tls.cert_pem = client->config_.client_cert_pem;
  options.tls.key_pem = client->config_.client_key_pem;
  options.tls.insecure_skip_verify = client->config_.insecure_skip_tls_verify;
  options.tls.server_name = client->config_.tls_server_name;
  options.connect_timeout = std::chrono::seconds(10);
  options.response_timeout = std::chrono::seconds(60);
  options.read_timeout = std::chrono::seconds(60);
  auto requests = http::Client::create(impl.executor(), options);
  if (!requests) return fail(requests.error());
  options.response_timeout = std::chrono::milliseconds(0);
  options.read_timeout = std::chrono::milliseconds(0);
  auto watches = http::Client::create(impl.executor(), options);
  if (!watches) return fail(watches.error());
  impl.requests = std::move(*requests);
  impl.watches = std::move(*watches);
  return client;
}

KubeClient::RequestCounts KubeClient::request_counts() const {
  auto get = [this](int i) { return counts_[i].load(std::memory_order_relaxed); };
  return {get(0), get(1), get(2), get(3), get(4), get(5)};
}

Result<RawResponse> KubeClient::request(std::string_view method, std::string_view target, std::string_view body,
                                        std::string_view content_type) {
  int slot = method == "GET"      ? 0
             : method == "POST"   ? 1
             : method == "PUT"    ? 2
             : method == "PATCH"  ? 3
             : method == "DELETE" ? 4
                                  : 5;
  counts_[slot].fetch_add(1, std::memory_order_relaxed);
  auto future = asio::co_spawn(impl_->executor(),
                               send_request(impl_.get(), std::string(method), impl_->prefix + std::string(target),
                                            std::string(body), std::string(content_type), impl_->bearer(config_)),
                               asio::use_future);
  return future.get();
}

Result<Json> KubeClient::call(std::string_view method, std::string target, std::string body,
                              std::string_view content_type) {
  auto response = request(method, target, body, content_type);
  if (!response) return fail(response.error());
  if (response->status < 200 || response->status >= 300) {
    return fail(error_from_response(response->status, response->body));
  }
  auto parsed = api::decode_json(response->body, "response");
  if (!parsed) return fail(ErrorCode::kBadRequest, "the server's answer is not JSON: " + parsed.error().to_string());
  return *parsed;
}

Result<Json> KubeClient::get(const Resource& resource, std::string_view ns, std::string_view name,
                             std::string_view subresource) {
  return call("GET", resource.path(ns, name, subresource), {}, {});
}

Result<Json> KubeClient::list(const Resource& resource, std::string_view ns, const ListOptions& options) {
  Json items = Json::array();
  std::string continue_token;
  Json last;
  for (;;) {
    std::string target = resource.path(ns) + "?limit=" + std::to_string(options.limit);
    if (!options.label_selector.empty()) target += "&labelSelector=" + query_escape(options.label_selector);
    if (!options.field_selector.empty()) target += "&fieldSelector=" + query_escape(options.field_selector);
    if (!continue_token.empty()) target += "&continue=" + query_escape(continue_token);
    auto page = call("GET", target, {}, {});
    if (!page) return page;
    if (page->contains("items") && (*page)["items"].is_array()) {
      for (auto& item : (*page)["items"]) items.push_back(std::move(item));
    }
    last = std::move(*page);
    continue_token.clear();
    if (last.contains("metadata") && last["metadata"].contains("continue") &&
        last["metadata"]["continue"].is_string()) {
      continue_token = last["metadata"]["continue"].get<std::string>();
    }
    if (continue_token.empty()) break;
  }
  last["items"] = std::move(items);
  if (last.contains("metadata")) last["metadata"].erase("continue");
  return last;
}

namespace {

std::string write_query(const WriteOptions& options) {
  std::string query = "?fieldManager=" + query_escape(options.field_manager);
  if (options.dry_run) query += "&dryRun=All";
  if (options.force) query += "&force=true";
  return query;
}

std::string meta_string(const Json& object, const char* key) {
  if (!object.contains("metadata") || !object["metadata"].is_object()) return {};
  const Json& meta = object["metadata"];
  return meta.contains(key) && meta[key].is_string() ? meta[key].get<std::string>() : std::string();
}

}  // namespace

Result<Json> KubeClient::create(const Resource& resource, std::string_view ns, const Json& object,
                                const WriteOptions& options) {
  return call("POST", resource.path(ns) + write_query(options), object.dump(), "application/json");
}

Result<Json> KubeClient::create_subresource(const Resource& resource, std::string_view ns, std::string_view name,
                                            std::string_view subresource, const Json& object) {
  return call("POST", resource.path(ns, name, subresource), object.dump(), "application/json");
}

Result<Json> KubeClient::update(const Resource& resource, const Json& object, std::string_view subresource,
                                const WriteOptions& options) {
  std::string name = meta_string(object, "name");
  if (name.empty()) return fail(ErrorCode::kInvalid, "the object has no name", "metadata.name");
  return call("PUT", resource.path(meta_string(object, "namespace"), name, subresource) + write_query(options),
              object.dump(), "application/json");
}

Result<Json> KubeClient::patch(const Resource& resource, std::string_view ns, std::string_view name, PatchType type,
                               const Json& patch, std::string_view subresource, const WriteOptions& options) {
  std::string_view content_type;
  switch (type) {
    case PatchType::kMerge:
      content_type = "application/merge-patch+json";
      break;
    case PatchType::kJson:
      content_type = "application/json-patch+json";
      break;
    case PatchType::kStrategicMerge:
      content_type = "application/strategic-merge-patch+json";
      break;
    case PatchType::kApply:
      content_type = "application/apply-patch+yaml";
      break;
  }
  return call("PATCH", resource.path(ns, name, subresource) + write_query(options), patch.dump(), content_type);
}

Result<Json> KubeClient::remove(const Resource& resource, std::string_view ns, std::string_view name,
                                const DeleteOptions& options) {
  Json body = {{"kind", "DeleteOptions"}, {"apiVersion", "v1"}};
  if (!options.propagation.empty()) body["propagationPolicy"] = options.propagation;
  if (options.grace_period_seconds) body["gracePeriodSeconds"] = *options.grace_period_seconds;
  if (!options.precondition_uid.empty()) body["preconditions"]["uid"] = options.precondition_uid;
  if (!options.precondition_resource_version.empty()) {
    body["preconditions"]["resourceVersion"] = options.precondition_resource_version;
  }
  return call("DELETE", resource.path(ns, name), body.dump(), "application/json");
}

Result<std::unique_ptr<WatchStream>> KubeClient::watch(const Resource& resource, std::string_view ns,
                                                       const WatchOptions& options) {
  std::string target = impl_->prefix + resource.path(ns) + "?watch=true";
  if (!options.resource_version.empty()) target += "&resourceVersion=" + query_escape(options.resource_version);
  if (options.bookmarks) target += "&allowWatchBookmarks=true";
  if (options.timeout.count() > 0) target += "&timeoutSeconds=" + std::to_string(options.timeout.count());
  if (!options.label_selector.empty()) target += "&labelSelector=" + query_escape(options.label_selector);
  if (!options.field_selector.empty()) target += "&fieldSelector=" + query_escape(options.field_selector);

  return start_stream(std::move(target), options.idle_timeout, false);
}

Result<std::unique_ptr<WatchStream>> KubeClient::stream(std::string_view target,
                                                        std::chrono::milliseconds idle_timeout) {
  return start_stream(impl_->prefix + std::string(target), idle_timeout, true);
}

std::unique_ptr<WatchStream> KubeClient::start_stream(std::string target, std::chrono::milliseconds idle_timeout,
                                                      bool raw) {
  auto state = std::make_shared<WatchStream::State>();
  auto executor = impl_->executor();
  auto cancel = std::make_shared<WatchCancel>(executor, idle_timeout);
  state->cancel = [executor, cancel] {
    asio::post(executor, [cancel] {
      cancel->cancelled = true;
      cancel->timer.cancel();
    });
  };
  {
    std::lock_guard lock(impl_->watch_mutex);
    std::erase_if(impl_->live_watches, [](const auto& weak) { return weak.expired(); });
    impl_->live_watches.push_back(state);
  }
  asio::co_spawn(executor, run_watch(impl_.get(), state, cancel, std::move(target), impl_->bearer(config_), raw),
                 asio::detached);
  return std::make_unique<WatchStream>(state);
}

}  // namespace kthena::kube
