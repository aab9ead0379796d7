// EngineServer::generate: the OpenAI generation routes, including prefill/decode disaggregation on the wire.
#include <ctime>

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <nlohmann/json.hpp>

#include "sim/engine_server.h"
#include "sim/response_format.h"

namespace kthena::sim {
namespace {

namespace asio = boost::asio;
using http::Exchange;
using http::Header;
using json = nlohmann::ordered_json;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

// Named arguments only: g++ 12 mishandles temporaries with destructors inside co_await expressions.
asio::awaitable<void> sleep_for(Exchange& ex, double seconds) {
  asio::steady_timer t(ex.executor(),
                       std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds)));
  co_await t.async_wait(kTuple);
}

bool is_json(std::string_view content_type) {
  std::string_view mt = content_type.substr(0, content_type.find(';'));
  while (!mt.empty() && mt.back() == ' ') mt.remove_suffix(1);
  return http::iequals(mt, "application/json");
}

asio::awaitable<std::optional<size_t>> release_on(Engine* holder, std::string key) {
  co_return holder->release_held(key);
}

// Pulls the KV of `key` from the engine that holds it, on that engine's thread. Returns its token count.
asio::awaitable<std::optional<size_t>> pull_kv(Engine* holder, const std::string& key) {
  auto work = release_on(holder, key);
  co_return co_await asio::co_spawn(holder->executor(), std::move(work), asio::use_awaitable);
}

}  // namespace

asio::awaitable<void> EngineServer::generate(Exchange& ex, Api api) {
  const EngineConfig& c = engine_->config();
  bool vllm = c.kind == EngineKind::kVllm;
  auto body = co_await ex.read_body();
  if (!body) co_return;
  if (vllm && !is_json(ex.header("content-type"))) {
    ApiError api_error{415, "Unsupported Media Type", "Unsupported Media Type: Only 'application/json' is allowed", {}};
    co_await respond_error(ex, api_error);
    co_return;
  }
  ApiError error;
  std::optional<GenerationRequest> req = parse_generation(*body, api, c.kind, error);
  if (!req) {
    co_await respond_error(ex, error);
    co_return;
  }
  std::string model_name = c.served_name();
  std::string lora;
  if (!req->model.empty()) {
    bool base = req->model == c.model || std::find(c.served_model_names.begin(), c.served_model_names.end(),
                                                   req->model) != c.served_model_names.end();
    if (base) {
      model_name = req->model;
    } else if (engine_->has_lora(req->model)) {
      lora = req->model;
      model_name = req->model;
    } else {
      ApiError api_error{404, "NotFoundError", "The model `" + req->model + "` does not exist.", "model"};
      co_await respond_error(ex, api_error);
      co_return;
    }
  }
  size_t limit = c.context_length();
  size_t n = req->prompt.size();
  if (n >= limit) {
    ApiError api_error{400, "BadRequestError",
                       "This model's maximum context length is " + std::to_string(limit) +
                           " tokens. However, your request has " + std::to_string(n) +
                           " input tokens. Please reduce the length of the input messages.",
                       "input_tokens"};
    co_await respond_error(ex, api_error);
    co_return;
  }
  if (req->max_tokens && n + *req->max_tokens > limit) {
    uint32_t k = *req->max_tokens;
    ApiError api_error{400, "BadRequestError",
                       "'max_tokens' or 'max_completion_tokens' is too large: " + std::to_string(k) +
                           ". This model's maximum context length is " + std::to_string(limit) +
                           " tokens and your request has " + std::to_string(n) + " input tokens (" + std::to_string(k) +
                           " > " + std::to_string(limit) + " - " + std::to_string(n) + ").",
                       "max_tokens"};
    co_await respond_error(ex, api_error);
    co_return;
  }

  // vLLM's SamplingParams check, on the max_tokens it settled on (the room left in the context when none was sent).
  uint32_t max_tokens = req->max_tokens.value_or(static_cast<uint32_t>(limit - n));
  if (req->min_tokens > max_tokens && (vllm || req->max_tokens)) {
    std::string k = std::to_string(max_tokens), m = std::to_string(req->min_tokens);
    ApiError api_error{400,
                       "BadRequestError",
                       vllm ? "min_tokens must be less than or equal to max_tokens=" + k + ", got " + m + "."
                            : "min_new_tokens must be in [0, max_new_tokens(" + k + ")], got " + m + ".",
                       {}};
    co_await respond_error(ex, api_error);
    co_return;
  }
  std::string_view header_id = vllm ? ex.header("x-request-id") : std::string_view();
  if (header_id.size() > kMaxRequestIdLength) {
    ApiError api_error{400,
                       "BadRequestError",
                       "X-Request-Id: String should have at most " + std::to_string(kMaxRequestIdLength) + " bytes",
                       {}};
    co_await respond_error(ex, api_error);
    co_return;
  }

  std::string base_id;
  if (!header_id.empty()) {
    base_id = std::string(header_id);
  } else if (req->request_id) {
    base_id = *req->request_id;
  } else {
    base_id = random_hex(vllm ? 16 : 32, rng_);
  }
  ResponseContext ctx{c.kind, api, vllm ? (api == Api::kChat ? "chatcmpl-" : "cmpl-") + base_id : base_id,
                      static_cast<int64_t>(std::time(nullptr)), model_name};

  RequestSpec spec;
  spec.id = base_id;
  spec.prompt = std::move(req->prompt);
  spec.max_tokens = req->max_tokens.value_or(0);
  spec.min_tokens = req->min_tokens;
  spec.ignore_eos = req->ignore_eos;
  spec.stop = std::move(req->stop);
  spec.seed = req->seed;
  spec.lora = lora;
  spec.n = req->n;

  // Prefill/decode disaggregation (engine-wire.md §5). The key names the held KV across engines of this process.
  std::string hold_key;
  if (req->kv_transfer_params) {
    const KvTransferParams& params = *req->kv_transfer_params;
    if (params.do_remote_decode) {
      spec.hold_kv_for_remote = true;
      const std::string& transfer = params.transfer_id;
      hold_key = transfer.empty() ? "req:" + base_id : "xfer:" + transfer;
    } else if (params.do_remote_prefill) {
      const std::string& transfer = params.transfer_id;
      const std::string& remote = params.remote_request_id;
      std::string key = !transfer.empty() ? "xfer:" + transfer : !remote.empty() ? "req:" + remote : "";
      Engine* holder = key.empty() ? nullptr : registry_.take(key);
      // Mooncake sends the decode request without waiting for the prefill: wait for it, as the real connector does.
      for (Clock::time_point until = Clock::now() + c.bootstrap_timeout;
           !holder && !transfer.empty() && Clock::now() < until;) {
        co_await sleep_for(ex, 0.002);
        holder = registry_.take(key);
      }
      std::optional<size_t> pulled;
      if (holder) pulled = co_await pull_kv(holder, key);
      if (pulled) {
        double seconds = double(*pulled) * c.profile.kv_bytes_per_token / (c.kv_transfer_gb_per_s * 1e9);
        co_await sleep_for(ex, seconds * c.time_scale);
        spec.remote_prefilled = true;
      } else {
        // vLLM's default kv_load_failure_policy: recompute the prompt locally.
        spdlog::warn("engine-sim {}: request {}: no prefilled KV found for kv_transfer_params {}; recomputing", c.port,
                     base_id, params.logged);
      }
    }
  } else if (!vllm && req->bootstrap_room) {
    std::string key = "room:" + std::to_string(*req->bootstrap_room);
    if (c.role == Role::kPrefill) {
      spec.hold_kv_for_remote = true;
      spec.max_tokens = 1;
      hold_key = key;
    } else if (c.role == Role::kDecode) {
      Engine* holder = registry_.take(key);
      for (Clock::time_point until = Clock::now() + c.bootstrap_timeout; !holder && Clock::now() < until;) {
        co_await sleep_for(ex, 0.002);
        holder = registry_.take(key);
      }
      std::optional<size_t> pulled;
      if (holder) pulled = co_await pull_kv(holder, key);
      if (!pulled) {
        ApiError api_error{500,
                           "InternalServerError",
                           "KV transfer failed: bootstrap room " + std::to_string(*req->bootstrap_room) +
                               " was not prefilled by " + req->bootstrap_host,
                           {}};
        co_await respond_error(ex, api_error);
        co_return;
      }
      double seconds = double(*pulled) * c.profile.kv_bytes_per_token / (c.kv_transfer_gb_per_s * 1e9);
      co_await sleep_for(ex, seconds * c.time_scale);
      spec.remote_prefilled = true;
    }
  }
  if (!hold_key.empty()) spec.id = hold_key;

  std::shared_ptr<SimRequest> r = engine_->submit(std::move(spec));
  bool stream = req->stream;
  bool include_usage = req->include_usage;
  bool continuous = req->continuous_usage;

  if (!stream) {
    bool stayed = co_await ex.until_disconnect([&]() -> asio::awaitable<void> {
      while (!r->finished()) co_await r->wake.async_wait(kTuple);
    }());
    if (!stayed || !r->finished()) {
      engine_->abort(r);
      co_return;
    }
    std::string kv_params = "null";
    if (r->spec.hold_kv_for_remote && engine_->holds(hold_key)) {
      registry_.publish(hold_key, *engine_);
      if (vllm) {
        json p{{"do_remote_prefill", true},
               {"do_remote_decode", false},
               {"remote_block_ids", json::array({json::array()})},
               {"remote_engine_id", engine_->engine_id()},
               {"remote_request_id", base_id},
               {"remote_host", c.kv_side_channel_host.empty() ? c.host : c.kv_side_channel_host},
               {"remote_port", c.kv_side_channel_port},
               {"tp_size", c.tensor_parallel_size == 0 ? c.profile.tensor_parallel : c.tensor_parallel_size},
               {"remote_num_tokens", r->prompt_len}};
        size_t blocks = (r->prompt_len + c.block_size - 1) / c.block_size;
        for (size_t i = 0; i < blocks; ++i) p["remote_block_ids"][0].push_back(i);
        if (req->kv_transfer_params && !req->kv_transfer_params->transfer_id.empty()) {
          p["transfer_id"] = req->kv_transfer_params->transfer_id;
        }
        kv_params = p.dump();
      }
    }
    std::string text = full_response(ctx, *r, kv_params);
    if (c.enable_request_id_headers) {
      Header headers[] = {{"Content-Type", "application/json"}, {"X-Request-Id", base_id}};
      co_await ex.respond(200, headers, text);
    } else {
      co_await respond_json(ex, 200, text);
    }
    co_return;
  }

  Header headers[] = {{"Content-Type", "text/event-stream; charset=utf-8"}, {"X-Request-Id", base_id}};
  std::span<const Header> stream_headers(headers, c.enable_request_id_headers ? 2 : 1);
  if (!co_await ex.begin_stream(200, stream_headers)) {
    engine_->abort(r);
    co_return;
  }
  std::string chunk;
  bool ok = true;
  auto send = [&](std::string& payload) -> asio::awaitable<bool> {
    auto w = co_await ex.write("data: ", payload, "\n\n");
    payload.clear();
    co_return w.has_value();
  };
  bool completed = co_await ex.until_disconnect([&]() -> asio::awaitable<void> {
    size_t sent = 0;
    bool role_sent = api != Api::kChat;
    for (;;) {
      if (r->output_tokens == 0 && !r->finished()) {
        co_await r->wake.async_wait(kTuple);
        continue;
      }
      if (!role_sent) {
        role_chunk(chunk, ctx, *r, continuous);
        if (!(ok = co_await send(chunk))) co_return;
        role_sent = true;
      }
      std::string_view delta = std::string_view(r->text).substr(std::min(sent, r->text.size()));
      if (r->finished()) {
        final_chunk(chunk, ctx, *r, delta, continuous);
        if (!(ok = co_await send(chunk))) co_return;
        break;
      }
      if (!delta.empty()) {
        content_chunk(chunk, ctx, *r, delta, continuous);
        sent = r->text.size();
        if (!(ok = co_await send(chunk))) co_return;
        continue;  // more may have been generated while writing
      }
      co_await r->wake.async_wait(kTuple);
    }
    if (include_usage) {
      usage_chunk(chunk, ctx, *r);
      if (!(ok = co_await send(chunk))) co_return;
    }
    static constexpr std::string_view kDone = "data: [DONE]\n\n";
    ok = (co_await ex.write(kDone)).has_value() && (co_await ex.end_stream()).has_value();
  }());
  if (!completed || !ok) engine_->abort(r);
}

}  // namespace kthena::sim
