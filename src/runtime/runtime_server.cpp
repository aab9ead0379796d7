#include "runtime/runtime_server.h"

#include <algorithm>
#include <exception>
#include <optional>
#include <utility>

#include <spdlog/spdlog.h>
#include <boost/asio/async_result.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "api/codec/json_decoder.h"
#include "common/prometheus_text.h"

namespace kthena::runtime {
namespace asio = http::asio;
using http::Exchange;

namespace {

constexpr std::string_view kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";
constexpr size_t kMaxEngineAnswer = 16 * 1024 * 1024;  // a LoRA load or unload answer: a line of text or JSON

// Runs `fn` on `pool` and resumes the awaiting coroutine on its own executor (the reactor). `fn` is a named local
// of the caller, and what it references lives in the caller's frame, which stays suspended until `fn` returned.
template <class F>
asio::awaitable<Result<void>> run_blocking(asio::any_io_executor pool, F& fn) {
  std::optional<Result<void>> result;
  co_await asio::async_initiate<decltype(asio::use_awaitable), void()>(
      [&](auto handler) {
        asio::post(pool, [&, handler = std::move(handler)]() mutable {
          try {
            result.emplace(fn());
          } catch (const std::exception& e) {
            result.emplace(fail(ErrorCode::kInternal, e.what()));
          } catch (...) {
            result.emplace(fail(ErrorCode::kInternal, "unknown exception"));
          }
          asio::post(std::move(handler));
        });
      },
      asio::use_awaitable);
  co_return std::move(*result);
}

asio::awaitable<void> respond_json(Exchange& ex, int status, const Json& body) {
  std::string text = body.dump(-1, ' ', false, Json::error_handler_t::replace);
  co_await ex.respond(status, "application/json", text);
}

// {"error": "..."} with the field, when the error names one, as its own member for clients to read.
asio::awaitable<void> respond_error(Exchange& ex, int status, const Error& error) {
  Json body{{"status", "failed"}, {"error", error.to_string()}};
  if (!error.field.empty()) body["field"] = error.field;
  co_await respond_json(ex, status, body);
}

// What a failed download answers: its own status for the caller's mistakes (a missing folder, bad credentials),
// 500 for the rest.
int download_status(const Error& error) {
  int status = error.http_status();
  return status >= 400 && status < 500 ? status : 500;
}

// The engine's answer as it came: status, body and content type (vLLM answers a LoRA load in plain text).
asio::awaitable<void> pass_back(Exchange& ex, const http::BufferedResponse& answer) {
  std::string content_type(answer.header("Content-Type"));
  http::Header headers[] = {{"Content-Type", content_type}};
  std::span<const http::Header> fields(headers, content_type.empty() ? 0 : 1);
  co_await ex.respond(answer.status, fields, answer.body);
}

Json started(const DownloadRequest& request) {
  return Json{
      {"status", "started"}, {"source", request.options.source}, {"output_dir", request.options.output_dir.string()}};
}

}  // namespace

RuntimeServer::RuntimeServer(RuntimeOptions options)
    : options_(std::move(options)), downloads_(std::max<size_t>(options_.download_threads, 1)) {}

RuntimeServer::~RuntimeServer() {
  shutdown(std::chrono::milliseconds(0));
}

Result<std::unique_ptr<RuntimeServer>> RuntimeServer::start(RuntimeOptions options) {
  auto url = http::parse_url(options.engine_base_url);
  if (!url) return fail(ErrorCode::kInvalid, url.error().to_string(), "--engine-base-url");
  if (options.engine_metrics_path.empty() || options.engine_metrics_path[0] != '/') {
    options.engine_metrics_path.insert(0, "/");
  }
  // Private constructor: make_unique cannot reach it.
  std::unique_ptr<RuntimeServer> self(new RuntimeServer(std::move(options)));
  self->engine_ = url->endpoint;
  self->engine_prefix_ = url->target == "/" ? "" : url->target;
  while (!self->engine_prefix_.empty() && self->engine_prefix_.back() == '/') self->engine_prefix_.pop_back();
  self->engine_url_ = self->engine_.key() + self->engine_prefix_;

  self->reactors_.start();
  http::ClientOptions client_options;
  client_options.connect_timeout = std::min(self->options_.request_timeout, client_options.connect_timeout);
  client_options.response_timeout = self->options_.request_timeout;
  client_options.read_timeout = self->options_.request_timeout;
  auto client = http::Client::create(self->reactors_.reactor(0), client_options);
  if (!client) return tl::unexpected(client.error());
  self->client_ = std::move(*client);

  http::ServerOptions server_options;
  server_options.address = self->options_.host;
  server_options.port = self->options_.port;
  server_options.max_body_size = self->options_.max_body_size;
  server_options.error_body = [](int, std::string_view message) {
    Json body{{"status", "failed"}, {"error", std::string(message)}};
    return http::ErrorBody{"application/json", body.dump(-1, ' ', false, Json::error_handler_t::replace)};
  };
  RuntimeServer* raw = self.get();
  auto server = http::Server::start(self->reactors_, server_options, [raw](Exchange& ex) { return raw->handle(ex); });
  if (!server) return tl::unexpected(server.error());
  self->server_ = std::move(*server);
  return self;
}

void RuntimeServer::shutdown(std::chrono::milliseconds grace) {
  {
    std::lock_guard lock(mu_);
    if (stopped_) return;
    stopped_ = true;
  }
  if (server_) server_->shutdown(grace);
  {
    std::unique_lock lock(mu_);
    background_done_.wait(lock, [this] { return background_ == 0; });
  }
  downloads_.join();
  reactors_.stop();
}

asio::awaitable<void> RuntimeServer::handle(Exchange& ex) {
  std::string_view path = ex.path();
  bool get = ex.method() == "GET";
  bool post = ex.method() == "POST";
  if (path == "/health" && get) {
    static const Json kHealthy{{"status", "healthy"}, {"service", "runtime"}};
    co_await respond_json(ex, 200, kHealthy);
  } else if (path == "/metrics" && get) {
    co_await metrics(ex);
  } else if (path == "/v1/load_lora_adapter" && post) {
    co_await load_lora(ex);
  } else if (path == "/v1/unload_lora_adapter" && post) {
    co_await unload_lora(ex);
  } else if (path == "/v1/download_model" && post) {
    co_await download_model(ex);
  } else if (path == "/health" || path == "/metrics" || path == "/v1/load_lora_adapter" ||
             path == "/v1/unload_lora_adapter" || path == "/v1/download_model") {
    static const Json kNotAllowed{{"detail", "Method Not Allowed"}};
    co_await respond_json(ex, 405, kNotAllowed);
  } else {
    // FastAPI's answers, which upstream's runtime gives.
    static const Json kNotFound{{"detail", "Not Found"}};
    co_await respond_json(ex, 404, kNotFound);
  }
}

asio::awaitable<void> RuntimeServer::metrics(Exchange& ex) {
  std::string target = engine_prefix_ + options_.engine_metrics_path;
  http::ClientRequest request;
  request.target = target;
  auto answer = co_await client_->fetch(engine_, request, options_.max_metrics_size);
  if (!answer || answer->status != 200) {
    // The client's error names the engine's address in its field; the message below names the whole URL instead.
    std::string why = answer ? "the engine answered " + std::to_string(answer->status) : answer.error().message;
    Error error{ErrorCode::kUnavailable, "", "GET " + engine_url_ + options_.engine_metrics_path + ": " + why};
    co_await respond_error(ex, 502, error);
    co_return;
  }
  auto families = parse_prometheus_text(answer->body);
  if (!families) {
    Error error = families.error();
    error.message = "the engine's metrics do not parse: " + error.message;
    co_await respond_error(ex, 500, error);
    co_return;
  }
  std::string text = render_prometheus_text(with_standard_names(options_.engine, std::move(*families)));
  co_await ex.respond(200, kMetricsContentType, text);
}

asio::awaitable<void> RuntimeServer::load_lora(Exchange& ex) {
  auto body = co_await ex.read_body();
  if (!body) co_return;
  auto request = parse_lora_load_request(*body);
  if (!request) {
    co_await respond_error(ex, 400, request.error());
    co_return;
  }
  spdlog::info("runtime: loading LoRA adapter {} from {} into {}", request->lora_name, request->download.options.source,
               request->download.options.output_dir.string());
  if (request->download.async_download) {
    Json answer = started(request->download);
    answer["lora_name"] = request->lora_name;
    run_in_background("LoRA adapter " + request->lora_name, background_lora_load(std::move(*request)));
    co_await respond_json(ex, 202, answer);
    co_return;
  }
  auto downloaded = co_await download(request->download.options);
  if (!downloaded) {
    co_await respond_error(ex, download_status(downloaded.error()), downloaded.error());
    co_return;
  }
  Json load{{"lora_name", request->lora_name}, {"lora_path", request->download.options.output_dir.string()}};
  std::string load_body = load.dump();
  auto answer = co_await post_engine(lora_path(false), load_body);
  if (!answer) {
    co_await respond_error(ex, 502, answer.error());
    co_return;
  }
  co_await pass_back(ex, *answer);
}

std::string_view RuntimeServer::lora_path(bool unload) const {
  if (options_.engine == EngineKind::kSglang) return unload ? "/unload_lora_adapter" : "/load_lora_adapter";
  return unload ? "/v1/unload_lora_adapter" : "/v1/load_lora_adapter";
}

asio::awaitable<void> RuntimeServer::unload_lora(Exchange& ex) {
  auto body = co_await ex.read_body();
  if (!body) co_return;
  // Passed through as it came, once it is known to be a JSON object: a malformed body gets our 400 naming the
  // position rather than whatever the engine makes of it.
  auto json = api::decode_json(*body, "body");
  if (!json || !json->is_object()) {
    Error error = json ? Error{ErrorCode::kBadRequest, "body", "expected a JSON object"} : json.error();
    co_await respond_error(ex, 400, error);
    co_return;
  }
  auto answer = co_await post_engine(lora_path(true), *body);
  if (!answer) {
    co_await respond_error(ex, 502, answer.error());
    co_return;
  }
  co_await pass_back(ex, *answer);
}

asio::awaitable<void> RuntimeServer::download_model(Exchange& ex) {
  auto body = co_await ex.read_body();
  if (!body) co_return;
  auto request = parse_download_request(*body);
  if (!request) {
    co_await respond_error(ex, 400, request.error());
    co_return;
  }
  spdlog::info("runtime: downloading {} into {}", request->options.source, request->options.output_dir.string());
  Json answer = started(*request);
  if (request->async_download) {
    run_in_background("download of " + request->options.source, background_download(std::move(*request)));
    co_await respond_json(ex, 202, answer);
    co_return;
  }
  auto downloaded = co_await download(request->options);
  if (!downloaded) {
    co_await respond_error(ex, download_status(downloaded.error()), downloaded.error());
    co_return;
  }
  answer["status"] = "completed";
  co_await respond_json(ex, 200, answer);
}

asio::awaitable<Result<void>> RuntimeServer::download(const downloader::DownloadOptions& options) {
  auto work = [&options] {
    std::string source = options.source;
    return downloader::download(options,
                                [&source](const std::string& line) { spdlog::info("download {}: {}", source, line); });
  };
  co_return co_await run_blocking(downloads_.get_executor(), work);
}

asio::awaitable<Result<http::BufferedResponse>> RuntimeServer::post_engine(std::string_view target,
                                                                           std::string_view body) {
  std::string full = engine_prefix_ + std::string(target);
  http::Header headers[] = {{"Content-Type", "application/json"}};
  http::ClientRequest request;
  request.method = "POST";
  request.target = full;
  request.headers = headers;
  request.body = body;
  auto answer = co_await client_->fetch(engine_, request, kMaxEngineAnswer);
  if (!answer) {
    co_return fail(answer.error().code, "POST " + engine_url_ + std::string(target) + ": " + answer.error().message);
  }
  co_return answer;
}

void RuntimeServer::run_in_background(std::string what, asio::awaitable<void> work) {
  {
    std::lock_guard lock(mu_);
    ++background_;
  }
  asio::co_spawn(reactors_.reactor(0).executor(), std::move(work), [this, what](std::exception_ptr failure) {
    if (failure) {
      try {
        std::rethrow_exception(failure);
      } catch (const std::exception& e) {
        spdlog::error("runtime: {} failed: {}", what, e.what());
      } catch (...) {
        spdlog::error("runtime: {} failed", what);
      }
    }
    std::lock_guard lock(mu_);
    --background_;
    background_done_.notify_all();
  });
}

asio::awaitable<void> RuntimeServer::background_lora_load(LoraLoadRequest request) {
  auto downloaded = co_await download(request.download.options);
  if (!downloaded) {
    spdlog::error("runtime: LoRA adapter {}: download of {} failed: {}", request.lora_name,
                  request.download.options.source, downloaded.error().to_string());
    co_return;
  }
  Json load{{"lora_name", request.lora_name}, {"lora_path", request.download.options.output_dir.string()}};
  std::string load_body = load.dump();
  auto answer = co_await post_engine(lora_path(false), load_body);
  if (!answer) {
    spdlog::error("runtime: LoRA adapter {}: {}", request.lora_name, answer.error().to_string());
  } else if (answer->status != 200) {
    spdlog::error("runtime: LoRA adapter {}: the engine answered {}: {}", request.lora_name, answer->status,
                  answer->body);
  } else {
    spdlog::info("runtime: LoRA adapter {} loaded", request.lora_name);
  }
}

asio::awaitable<void> RuntimeServer::background_download(DownloadRequest request) {
  auto downloaded = co_await download(request.options);
  if (!downloaded) {
    spdlog::error("runtime: download of {} failed: {}", request.options.source, downloaded.error().to_string());
  } else {
    spdlog::info("runtime: downloaded {} into {}", request.options.source, request.options.output_dir.string());
  }
}

}  // namespace kthena::runtime
