#include "sim/engine_server.h"

#include <ctime>

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <nlohmann/json.hpp>

#include "sim/metrics_exposition.h"
#include "sim/response_format.h"

namespace kthena::sim {
namespace {

namespace asio = boost::asio;
using http::Exchange;
using http::Header;
using json = nlohmann::ordered_json;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

bool truthy(const char* v) {
  if (v == nullptr) return false;
  std::string s(v);
  return s == "1" || s == "true" || s == "True" || s == "TRUE" || s == "yes";
}

}  // namespace

EngineServer::EngineServer(std::unique_ptr<Engine> engine, KvTransferRegistry& registry)
    : engine_(std::move(engine)), registry_(registry), rng_(std::random_device{}()) {}

EngineServer::~EngineServer() {
  if (server_) server_->shutdown(std::chrono::milliseconds(0));
  registry_.remove_engine(*engine_);
}

Result<std::unique_ptr<EngineServer>> EngineServer::start(http::ReactorPool& pool, size_t reactor_index,
                                                          EngineConfig config, uint32_t index,
                                                          KvTransferRegistry& registry) {
  if (config.version.empty()) config.version = config.kind == EngineKind::kVllm ? "0.11.0" : "0.5.4";
  if (config.kind == EngineKind::kVllm && truthy(std::getenv("VLLM_ALLOW_RUNTIME_LORA_UPDATING"))) {
    config.runtime_lora_updating = true;
  }
  std::mt19937_64 id_rng(std::random_device{}());
  std::string engine_id = random_hex(8, id_rng) + "-" + random_hex(4, id_rng) + "-" + random_hex(4, id_rng) + "-" +
                          random_hex(4, id_rng) + "-" + random_hex(12, id_rng);
  http::ServerOptions options;
  options.address = config.host;
  options.port = config.port;
  options.accept = http::ServerOptions::Accept::kOneReactor;
  options.reactor_index = static_cast<int>(reactor_index);
  options.max_body_size = 64 * 1024 * 1024;
  auto engine = std::make_unique<Engine>(std::move(config), pool.reactor(reactor_index), std::move(engine_id), 0);
  (void)index;
  std::unique_ptr<EngineServer> self(new EngineServer(std::move(engine), registry));
  EngineServer* raw = self.get();
  auto server = http::Server::start(pool, options, [raw](Exchange& ex) { return raw->handle(ex); });
  if (!server) return tl::unexpected(server.error());
  self->server_ = std::move(*server);
  registry.add_engine(*self->engine_);
  return self;
}

void EngineServer::shutdown(std::chrono::milliseconds grace) {
  server_->shutdown(grace);
}

asio::awaitable<void> EngineServer::respond_json(Exchange& ex, int status, std::string_view body) {
  co_await ex.respond(status, "application/json", body);
}

asio::awaitable<void> EngineServer::respond_error(Exchange& ex, const ApiError& e) {
  co_await respond_json(ex, e.status, error_body(engine_->config().kind, e));
}

asio::awaitable<void> EngineServer::handle(Exchange& ex) {
  const EngineConfig& c = engine_->config();
  std::string_view path = ex.path();
  std::string_view method = ex.method();
  bool get = method == "GET" || method == "HEAD";
  bool post = method == "POST";
  if (!c.api_key.empty() && path.starts_with("/v1")) {
    std::string_view auth = ex.header("authorization");
    if (auth != "Bearer " + c.api_key) {
      co_await respond_json(ex, 401, "{\"error\":\"Unauthorized\"}");
      co_return;
    }
  }
  bool vllm = c.kind == EngineKind::kVllm;
  if ((path == "/health" && get) || (path == "/ping" && (get || post))) {
    co_await ex.respond(200, std::span<const Header>{}, "");
  } else if (path == "/version" && get) {
    std::string version = "{\"version\":\"" + c.version + "\"}";
    co_await respond_json(ex, 200, version);
  } else if (path == "/v1/models" && get) {
    co_await models(ex);
  } else if (path == "/metrics" && get) {
    std::string body = vllm ? render_vllm_metrics(*engine_) : render_sglang_metrics(*engine_);
    co_await ex.respond(200, "text/plain; version=0.0.4; charset=utf-8", body);
  } else if (path == "/load" && get) {
    std::string load = "{\"server_load\":" + std::to_string(engine_->num_running() + engine_->num_waiting()) + "}";
    co_await respond_json(ex, 200, load);
  } else if (path == "/v1/chat/completions" && post) {
    co_await generate(ex, Api::kChat);
  } else if (path == "/v1/completions" && post) {
    co_await generate(ex, Api::kCompletion);
  } else if (path == "/tokenize" && post) {
    co_await tokenize(ex);
  } else if (path == "/detokenize" && post) {
    co_await detokenize(ex);
  } else if (vllm && c.enable_lora && c.runtime_lora_updating && post &&
             (path == "/v1/load_lora_adapter" || path == "/v1/unload_lora_adapter")) {
    co_await load_lora(ex, path == "/v1/unload_lora_adapter");
  } else if (!vllm && c.enable_lora && post && (path == "/load_lora_adapter" || path == "/unload_lora_adapter")) {
    co_await load_lora(ex, path == "/unload_lora_adapter");
  } else if (!vllm && path == "/health_generate" && get) {
    co_await ex.respond(200, std::span<const Header>{}, "");
  } else if (!vllm && path == "/flush_cache" && post) {
    engine_->reset_prefix_cache();
    co_await ex.respond(200, "text/plain",
                        "Cache flushed.\nPlease check backend logs for more details. (When there "
                        "are running or waiting requests, the operation will not be performed.)\n");
  } else if (!vllm && path == "/get_model_info" && get) {
    json info{{"model_path", c.model},
              {"served_model_name", c.served_name()},
              {"tokenizer_path", c.model},
              {"is_generation", true},
              {"weight_version", "default"},
              {"disaggregation_mode", c.role == Role::kPrefill  ? "prefill"
                                      : c.role == Role::kDecode ? "decode"
                                                                : "null"}};
    std::string text = info.dump();
    co_await respond_json(ex, 200, text);
  } else if (!vllm && (path == "/get_server_info" || path == "/server_info") && get) {
    json info{{"model_path", c.model},
              {"served_model_name", c.served_name()},
              {"max_running_requests", c.max_num_seqs},
              {"chunked_prefill_size", c.max_num_batched_tokens},
              {"context_length", c.context_length()},
              {"page_size", c.block_size},
              {"disaggregation_mode", c.role == Role::kPrefill  ? "prefill"
                                      : c.role == Role::kDecode ? "decode"
                                                                : "null"},
              {"disaggregation_bootstrap_port", c.bootstrap_port},
              {"version", c.version}};
    std::string text = info.dump();
    co_await respond_json(ex, 200, text);
  } else {
    co_await respond_json(ex, 404, "{\"detail\":\"Not Found\"}");
  }
}

asio::awaitable<void> EngineServer::models(Exchange& ex) {
  const EngineConfig& c = engine_->config();
  int64_t now = std::time(nullptr);
  json data = json::array();
  auto card = [&](const std::string& id, const std::string& root, json parent, json max_len) {
    json m{{"id", id},
           {"object", "model"},
           {"created", now},
           {"owned_by", c.kind == EngineKind::kVllm ? "vllm" : "sglang"},
           {"root", root},
           {"parent", parent},
           {"max_model_len", max_len}};
    if (c.kind == EngineKind::kVllm) {
      m["permission"] = json::array({json{{"id", "modelperm-" + random_hex(16, rng_)},
                                          {"object", "model_permission"},
                                          {"created", now},
                                          {"allow_create_engine", false},
                                          {"allow_sampling", true},
                                          {"allow_logprobs", true},
                                          {"allow_search_indices", false},
                                          {"allow_view", true},
                                          {"allow_fine_tuning", false},
                                          {"organization", "*"},
                                          {"group", nullptr},
                                          {"is_blocking", false}}});
    }
    data.push_back(std::move(m));
  };
  std::vector<std::string> names =
      c.served_model_names.empty() ? std::vector<std::string>{c.model} : c.served_model_names;
  for (const std::string& n : names) card(n, c.model, nullptr, c.context_length());
  for (const LoraModule& l : engine_->loras()) card(l.name, l.path, c.served_name(), nullptr);
  json body{{"object", "list"}, {"data", std::move(data)}};
  std::string text = body.dump();
  co_await respond_json(ex, 200, text);
}

asio::awaitable<void> EngineServer::tokenize(Exchange& ex) {
  const EngineConfig& c = engine_->config();
  auto body = co_await ex.read_body();
  if (!body) co_return;
  ApiError error;
  std::optional<TokenizeRequest> req = parse_tokenize(*body, error);
  if (!req) {
    co_await respond_error(ex, error);
    co_return;
  }
  if (const std::optional<std::string>& m = req->model;
      m && *m != c.served_name() && *m != c.model && !engine_->has_lora(*m) &&
      std::find(c.served_model_names.begin(), c.served_model_names.end(), *m) == c.served_model_names.end()) {
    ApiError api_error{404, "NotFoundError", "The model `" + *m + "` does not exist.", "model"};
    co_await respond_error(ex, api_error);
    co_return;
  }
  std::vector<TokenId> tokens = Tokenizer::encode(req->text);
  std::string text = tokenize_response(tokens, c.context_length(), req->return_token_strs);
  co_await respond_json(ex, 200, text);
}

asio::awaitable<void> EngineServer::detokenize(Exchange& ex) {
  auto body = co_await ex.read_body();
  if (!body) co_return;
  ApiError error;
  std::optional<std::vector<TokenId>> ids = parse_detokenize(*body, error);
  if (!ids) {
    co_await respond_error(ex, error);
    co_return;
  }
  json out{{"prompt", Tokenizer::decode(*ids)}};
  std::string text = out.dump(-1, ' ', false, json::error_handler_t::replace);
  co_await respond_json(ex, 200, text);
}

asio::awaitable<void> EngineServer::load_lora(Exchange& ex, bool unload) {
  bool vllm = engine_->config().kind == EngineKind::kVllm;
  auto body = co_await ex.read_body();
  if (!body) co_return;
  LoraRequest lora = parse_lora_request(*body);
  const std::string& name = lora.name;
  const std::string& path = lora.path;
  auto sglang_result = [&](bool ok, const std::string& message) {
    json out{{"success", ok}, {"error_message", message}, {"loaded_adapters", json::object()}};
    for (const LoraModule& l : engine_->loras()) out["loaded_adapters"][l.name] = l.path;
    return out.dump();
  };
  if (!unload && (name.empty() || path.empty())) {
    if (vllm) {
      ApiError api_error{400, "InvalidUserInput", "Both 'lora_name' and 'lora_path' must be provided.", {}};
      co_await respond_error(ex, api_error);
    } else {
      std::string text = sglang_result(false, "Both lora_name and lora_path must be provided.");
      co_await respond_json(ex, 400, text);
    }
    co_return;
  }
  Result<void> r = unload ? engine_->unload_lora(name) : engine_->load_lora({name, path});
  if (!r) {
    if (vllm) {
      bool missing = r.error().code == ErrorCode::kNotFound;
      ApiError api_error{missing ? 404 : 400, missing ? "NotFoundError" : "InvalidUserInput", r.error().message, {}};
      co_await respond_error(ex, api_error);
    } else {
      std::string text = sglang_result(false, r.error().message);
      co_await respond_json(ex, 400, text);
    }
    co_return;
  }
  if (vllm) {
    std::string text =
        "Success: LoRA adapter '" + name + (unload ? "' removed successfully." : "' added successfully.");
    co_await ex.respond(200, std::span<const Header>{}, text);
  } else {
    std::string text = sglang_result(true, "");
    co_await respond_json(ex, 200, text);
  }
}

}  // namespace kthena::sim
