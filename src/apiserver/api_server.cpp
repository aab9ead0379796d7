#include "apiserver/api_server.h"

#include <arpa/inet.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>
#include <openssl/rand.h>
#include <boost/asio/thread_pool.hpp>

#include "apiserver/garbage_collector.h"
#include "apiserver/pki/private_file.h"
#include "apiserver/pki/serving_certificates.h"
#include "apiserver/rest/api_handler.h"
#include "apiserver/rest/resource_handler.h"
#include "common/log.h"
#include "http/loopback.h"
#include "http/server.h"
#include "kube/kubeconfig.h"

namespace kthena::apiserver {
namespace {

struct HostPort {
  std::string host;
  uint16_t port = 0;
};

Result<HostPort> parse_listen(const std::string& listen) {
  std::string host;
  std::string port;
  if (!listen.empty() && listen[0] == '[') {
    auto close = listen.find(']');
    if (close == std::string::npos || close + 1 >= listen.size() || listen[close + 1] != ':') {
      return fail(ErrorCode::kInvalid, "expected [host]:port", "--listen");
    }
    host = listen.substr(1, close - 1);
    port = listen.substr(close + 2);
  } else {
    auto colon = listen.rfind(':');
    if (colon == std::string::npos) return fail(ErrorCode::kInvalid, "expected host:port", "--listen");
    host = listen.substr(0, colon);
    port = listen.substr(colon + 1);
  }
  char* end = nullptr;
  long value = std::strtol(port.c_str(), &end, 10);
  if (port.empty() || *end != '\0' || value < 0 || value > 65535) {
    return fail(ErrorCode::kInvalid, "invalid port \"" + port + "\"", "--listen");
  }
  if (host.empty()) host = "0.0.0.0";
  return HostPort{host, static_cast<uint16_t>(value)};
}

bool is_wildcard(const std::string& host) {
  return host == "0.0.0.0" || host == "::";
}

Result<std::string> ensure_token(const std::filesystem::path& path) {
  if (std::filesystem::exists(path)) {
    auto text = read_file(path);
    if (!text) return fail(text.error());
    std::string token = *text;
    while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
    if (token.size() < 16) return fail(ErrorCode::kInvalid, "the token in " + path.string() + " is too short");
    return token;
  }
  unsigned char bytes[32];
  if (RAND_bytes(bytes, sizeof(bytes)) != 1) return fail(ErrorCode::kInternal, "no randomness for the token");
  std::string token;
  for (unsigned char b : bytes) token += fmt::format("{:02x}", b);
  if (auto r = write_private_file(path, token + "\n"); !r) return fail(r.error());
  return token;
}

// The platform's components, each its own identity (auth/identity.h) with DIR/components/<name>.token and .kubeconfig.
constexpr const char* kComponents[] = {"controller-manager", "node", "router"};

}  // namespace

struct ApiServer::Parts {
  ApiServerOptions options;
  std::string token;
  std::string ca_pem;
  std::string url;
  std::unique_ptr<ServedResources> resources;
  std::unique_ptr<Store> store;
  std::unique_ptr<ObjectService> objects;
  std::unique_ptr<GarbageCollector> gc;
  std::unique_ptr<http::ReactorPool> reactors;
  std::unique_ptr<boost::asio::thread_pool> blocking;
  std::unique_ptr<ResourceHandler> resource_handler;
  std::unique_ptr<ApiHandler> api_handler;
  std::unique_ptr<http::Server> server;
  bool stopped = false;
};

ApiServer::ApiServer(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

ApiServer::~ApiServer() {
  shutdown();
}

Result<std::unique_ptr<ApiServer>> ApiServer::start(ApiServerOptions options, ApiModel model) {
  auto listen = parse_listen(options.listen);
  if (!listen) return fail(listen.error());
  if (!options.tls && !http::is_loopback_host(listen->host)) {
    return fail(ErrorCode::kInvalid,
                fmt::format("refusing to listen on {} without TLS: clients would send no credentials and anyone who "
                            "can reach the address could change the cluster; listen on 127.0.0.1 or enable TLS",
                            listen->host),
                "--listen");
  }
  ApiHandlerOptions::RequestLog request_log = ApiHandlerOptions::RequestLog::kNone;
  if (options.request_log == "errors") {
    request_log = ApiHandlerOptions::RequestLog::kErrors;
  } else if (options.request_log == "all") {
    request_log = ApiHandlerOptions::RequestLog::kAll;
  } else if (options.request_log != "none") {
    return fail(ErrorCode::kInvalid, "\"" + options.request_log + "\" is not one of none, errors, all",
                "--request-log");
  }
  auto parts = std::make_unique<Parts>();
  parts->options = options;
  const auto& dir = options.data_dir;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return fail(ErrorCode::kIo, "create " + dir.string() + ": " + ec.message());
  ::chmod(dir.c_str(), 0700);

  Authenticator authenticator;
  std::vector<std::pair<std::string, std::string>> component_tokens;  // component, token
  if (options.tls) {
    auto token = ensure_token(dir / "token");
    if (!token) return fail(token.error());
    parts->token = *token;
    std::vector<std::pair<std::string, Identity>> tokens{{*token, admin_identity()}};
    std::filesystem::create_directories(dir / "components", ec);
    ::chmod((dir / "components").c_str(), 0700);
    for (const char* component : kComponents) {
      auto component_token = ensure_token(dir / "components" / (std::string(component) + ".token"));
      if (!component_token) return fail(component_token.error());
      tokens.emplace_back(*component_token, component_identity(component));
      component_tokens.emplace_back(component, *component_token);
    }
    authenticator = Authenticator(std::move(tokens));
  }
  auto store = Store::open(dir / "state.db", options.store);
  if (!store) return fail(store.error());
  parts->store = std::move(*store);
  parts->resources = std::make_unique<ServedResources>(std::move(model.resources));
  parts->objects = std::make_unique<ObjectService>(*parts->store, std::move(model.admit), std::move(model.merge_rules));
  const ServedResources* resources = parts->resources.get();
  parts->gc = std::make_unique<GarbageCollector>(*parts->store, *parts->objects,
                                                 [resources](const std::string& group, const std::string& resource) {
                                                   const ServedResource* served = resources->find(group, resource);
                                                   return served == nullptr ? nullptr : &served->info;
                                                 });

  if (const ServedResource* namespaces = resources->find("", "namespaces")) {
    for (const char* name : {"default", "kthena-system"}) {
      if (parts->store->get({"", "namespaces", "", name})) continue;
      auto created = parts->objects->create(namespaces->info, "", Json{{"metadata", {{"name", name}}}}, {});
      if (!created)
        return fail(ErrorCode::kInternal, "create namespace " + std::string(name) + ": " + created.error().message);
    }
  }

  if (auto ensured = ensure_builtin_objects(*parts->objects, *resources, model.builtin_objects); !ensured) {
    return fail(ensured.error());
  }

  std::optional<http::TlsServerOptions> tls;
  if (options.tls) {
    std::vector<std::string> hosts{listen->host};
    if (is_wildcard(listen->host)) {
      char hostname[256] = {};
      if (gethostname(hostname, sizeof(hostname) - 1) == 0) hosts.push_back(hostname);
    }
    auto certs = ensure_serving_certificates(dir, hosts);
    if (!certs) return fail(certs.error());
    parts->ca_pem = certs->ca_pem;
    tls = http::TlsServerOptions{};
    tls->cert_pem = certs->cert_pem;
    tls->key_pem = certs->key_pem;
  }

  parts->reactors = std::make_unique<http::ReactorPool>(std::max<size_t>(options.reactor_threads, 1));
  parts->reactors->start();
  parts->blocking = std::make_unique<boost::asio::thread_pool>(std::max<size_t>(options.blocking_threads, 1));
  parts->resource_handler = std::make_unique<ResourceHandler>(
      *parts->resources, *parts->objects, *parts->store, parts->blocking->get_executor(),
      ResourceHandlerOptions{options.max_body_bytes, options.min_watch_timeout, options.bookmark_interval,
                             parts->token});

  http::ServerOptions server_options;
  server_options.address = listen->host;
  server_options.port = listen->port;
  // Our own limit answers with a Status; the server's (larger) one only guards chunked bodies.
  server_options.max_body_size = options.max_body_bytes * 2;
  // What the HTTP layer refuses itself (a malformed head, a chunked body past the limit, a head too large) is a
  // Status too, so that kubectl prints its message whatever the size of what it sent.
  server_options.error_body = [](int status, std::string_view message) {
    ApiStatus shaped;
    shaped.code = status;
    shaped.message = std::string(message);
    switch (status) {
      case 400:
      case 431:
      case 501:
      case 505:
        shaped.reason = "BadRequest";
        break;
      case 413:
        shaped.reason = "RequestEntityTooLarge";
        break;
      case 503:
        shaped.reason = "ServiceUnavailable";
        break;
      default:
        shaped.reason = "InternalError";
    }
    return http::ErrorBody{"application/json", shaped.to_json().dump()};
  };
  server_options.tls = tls;
  std::string host_for_clients = is_wildcard(listen->host) ? "127.0.0.1" : listen->host;
  std::string bracketed =
      host_for_clients.find(':') != std::string::npos ? "[" + host_for_clients + "]" : host_for_clients;

  ApiHandlerOptions handler_options{.authenticator = std::move(authenticator),
                                    .requests = {.seats = options.max_requests_per_client,
                                                 .queue_length = options.request_queue_length,
                                                 .queue_wait = options.request_queue_wait},
                                    .watches = {.seats = options.max_watches_per_client,
                                                .queue_length = 0,
                                                .queue_wait = std::chrono::milliseconds(0)},
                                    .request_log = request_log,
                                    .watch_hub = &parts->store->watch_hub()};
  parts->api_handler = std::make_unique<ApiHandler>(*parts->resources, *parts->resource_handler, model.openapi,
                                                    std::move(handler_options));
  ApiHandler* handler = parts->api_handler.get();
  auto server = http::Server::start(*parts->reactors, server_options,
                                    [handler](http::Exchange& exchange) { return handler->handle(exchange); });
  if (!server) {
    parts->reactors->stop();
    return fail(server.error());
  }
  parts->server = std::move(*server);
  uint16_t port = parts->server->port();
  std::string authority = bracketed + ":" + std::to_string(port);
  parts->url = (options.tls ? "https://" : "http://") + authority;

  std::vector<std::pair<std::filesystem::path, std::string>> kubeconfigs{
      {dir / "kubeconfig", kube::render_kubeconfig("kthena", parts->url, parts->ca_pem, parts->token)}};
  for (const auto& [component, token] : component_tokens) {
    kubeconfigs.emplace_back(dir / "components" / (component + ".kubeconfig"),
                             kube::render_kubeconfig("kthena", parts->url, parts->ca_pem, token));
  }
  for (const auto& [path, text] : kubeconfigs) {
    if (auto r = write_private_file(path, text); !r) {
      parts->server->shutdown(std::chrono::milliseconds(0));
      parts->reactors->stop();
      return fail(r.error());
    }
  }
  parts->gc->start(options.gc_period);
  parts->gc->poke();  // whatever a crash left half-collected
  parts->objects->set_on_delete([gc = parts->gc.get()] { gc->poke(); });
  parts->api_handler->set_ready(true);
  spdlog::info("apiserver: serving on {} (kubeconfig: {})", parts->url, (dir / "kubeconfig").string());
  return std::unique_ptr<ApiServer>(new ApiServer(std::move(parts)));
}

void ApiServer::shutdown(std::chrono::milliseconds grace) {
  if (!parts_ || parts_->stopped) return;
  parts_->stopped = true;
  parts_->api_handler->set_ready(false);
  parts_->store->close_watches();
  parts_->server->shutdown(grace);
  parts_->reactors->stop();
  parts_->blocking->join();
  parts_->objects->set_on_delete(nullptr);
  parts_->gc->stop();
}

uint16_t ApiServer::port() const {
  return parts_->server->port();
}
std::string ApiServer::url() const {
  return parts_->url;
}
std::filesystem::path ApiServer::kubeconfig_path() const {
  return parts_->options.data_dir / "kubeconfig";
}
const std::string& ApiServer::token() const {
  return parts_->token;
}
const std::string& ApiServer::ca_pem() const {
  return parts_->ca_pem;
}
Store& ApiServer::store() {
  return *parts_->store;
}
ObjectService& ApiServer::objects() {
  return *parts_->objects;
}
const ServedResources& ApiServer::resources() const {
  return *parts_->resources;
}

}  // namespace kthena::apiserver
