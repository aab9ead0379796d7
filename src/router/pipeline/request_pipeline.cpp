#include "router/pipeline/request_pipeline.h"

#include <fmt/format.h>

#include "common/assert.h"
#include "http/header.h"
#include "router/pd/pd_proxy.h"
#include "router/pipeline/aggregated_proxy.h"
#include "router/pipeline/error_response.h"
#include "router/pipeline/tokenize_step.h"
#include "router/pipeline/upstream_request.h"
#include "router/request/request_target.h"

namespace kthena::router {
namespace {

// Route matching reads request headers through this view of the exchange.
class ExchangeHeaders final : public HeaderSource {
 public:
  explicit ExchangeHeaders(const http::Exchange& ex) : ex_(ex) {}
  std::string_view get(std::string_view name) const override { return ex_.header(name); }

 private:
  const http::Exchange& ex_;
};

}  // namespace

size_t RequestPipeline::worker_index(http::Exchange& ex) const {
  http::Reactor* reactor = &ex.reactor();
  for (size_t i = 0; i < workers_.size(); ++i) {
    if (&workers_[i]->reactor() == reactor) return i;
  }
  KTHENA_ASSERT(false, "a request arrived on a reactor without a worker");
  return 0;
}

// A request's state, taken from its worker's pool and given back (destroyed, storage kept) when the request ends.
class RequestPipeline::PooledState {
 public:
  PooledState(StatePool& pool, http::Exchange& ex, Worker& w, const RouterSnapshot& snap) : pool_(pool) {
    if (pool.free.empty()) {
      slot_ = std::make_unique<std::optional<RequestState>>();
    } else {
      slot_ = std::move(pool.free.back());
      pool.free.pop_back();
    }
    slot_->emplace(ex, w, snap);
  }
  ~PooledState() {
    slot_->reset();
    if (pool_.free.size() < kMaxFree) pool_.free.push_back(std::move(slot_));
  }
  PooledState(const PooledState&) = delete;
  PooledState& operator=(const PooledState&) = delete;

  RequestState& operator*() { return **slot_; }

 private:
  static constexpr size_t kMaxFree = 256;
  StatePool& pool_;
  std::unique_ptr<std::optional<RequestState>> slot_;
};

http::asio::awaitable<void> RequestPipeline::handle(http::Exchange& ex) {
  std::string_view path = ex.path();
  if (path == "/healthz") {
    co_await ex.respond(200, "application/json", R"({"message":"ok"})");
    co_return;
  }
  size_t index = worker_index(ex);
  Worker& w = *workers_[index];
  if (path == "/readyz") {
    auto snap = w.snapshot();
    if (snap && snap->ready) {
      co_await ex.respond(200, "application/json", R"({"message":"router is ready"})");
    } else {
      co_await ex.respond(503, "application/json", R"({"message":"router is not ready"})");
    }
    co_return;
  }
  if (path == "/metrics" && options_.serve_metrics && options_.registry != nullptr) {
    co_await ex.respond(200, "text/plain; version=0.0.4; charset=utf-8", options_.registry->serialize());
    co_return;
  }
  if (path.substr(0, 4) != "/v1/") {
    co_await ex.respond(404, "text/plain", "404 page not found");
    co_return;
  }
  // From here on one coroutine frame carries the request to the proxying step: the steps that never suspend are
  // plain functions (a frame costs an allocation and a resumption through Asio's scheduler).
  auto snap = w.snapshot();
  PooledState state(pools_[index], ex, w, *snap);
  RequestState& st = *state;
  w.metrics().add(Metric::kActiveRequests, {}, 1);
  begin(st);
  std::optional<std::string_view> body;
  if (std::optional<std::string> problem = target_problem(ex.request().target)) {
    w.metrics().add(Metric::kRequestRefusals, {"bad_path"});
    co_await st.fail(400, *problem, "request_protocol");
  } else if (std::string_view allow = disallowed_method(ex.method(), st.path); !allow.empty()) {
    w.metrics().add(Metric::kRequestRefusals, {"bad_method"});
    std::string message = fmt::format("{} is not allowed on {}; it takes {}", ex.method(), st.path, allow);
    http::Header allow_header[] = {{"Allow", allow}};
    co_await st.fail(405, message, "request_protocol", {}, allow_header);
  } else if (st.path == "/v1/models") {
    st.status = 200;
    co_await ex.respond(200, "application/json", st.snap.models_json);
  } else {
    body = ex.buffered_body();
    if (!body) body = co_await read_body(st);
  }
  if (body) {
    std::optional<Refusal> refused = prepare(st, *body);
    if (!refused && st.snap.scheduler->kvcache() != nullptr) {
      // The one step that suspends before scheduling: the prompt must outlive it, so it moves into the request.
      co_await tokenize_for_kvcache(st, *st.snap.scheduler->kvcache());
    }
    if (!refused) refused = schedule(st);
    if (refused) {
      co_await st.fail(refused->status, refused->message, refused->log_type, refused->reason);
    } else if (st.server->pd) {
      co_await pd_proxy(st);
    } else {
      co_await aggregated_proxy(st);
    }
  }
  st.finish();
  w.metrics().add(Metric::kActiveRequests, {}, -1);
}

void RequestPipeline::begin(RequestState& st) {
  http::Exchange& ex = st.ex;
  st.log.start = st.w.wall_time(st.started);
  st.log.method = ex.method();
  st.path = ex.path();
  st.path_label = path_label(st.path);
  st.log.path = st.path;
  st.log.protocol = ex.request().version_minor == 0 ? "HTTP/1.0" : "HTTP/1.1";
  st.request_id = ex.header("x-request-id");
  if (st.request_id.empty()) {
    uuid_v4(st.w.rng(), st.generated_id);
    st.request_id = std::string_view(st.generated_id.data(), st.generated_id.size());
  }
}

http::asio::awaitable<std::optional<std::string_view>> RequestPipeline::read_body(RequestState& st) {
  auto body = co_await st.ex.read_body();
  if (body) co_return *body;
  // The server answers 413 or 400 and closes; the entry records what it will answer.
  st.status = body.error().code == ErrorCode::kTooLarge ? 413 : 400;
  st.log.error_type = "request_parsing";
  st.log.error_message = body.error().message;
  co_return std::nullopt;
}

std::optional<RequestPipeline::Refusal> RequestPipeline::prepare(RequestState& st, std::string_view body) {
  http::Exchange& ex = st.ex;
  Worker& w = st.w;
  // The parser's views into its own buffers are valid only until the next request on this thread parses: they are
  // used by this function and schedule(), between which nothing suspends but the kvcache tokenizer step (which
  // copies the prompt first).
  auto parsed = w.parser().parse(body, body.size());
  if (!parsed) {
    if (parsed.error().status == 400) w.metrics().add(Metric::kRequestRefusals, {"bad_body"});
    return Refusal{parsed.error().status, parsed.error().message, "request_parsing"};
  }
  const RequestBody& req = **parsed;
  st.model = std::string(req.model);
  st.stream = req.stream;
  st.max_completion_tokens_set = req.max_completion_tokens_set;
  const RouteTable& routes = *st.snap.routes;
  st.model_label = routes.is_registered(st.model) ? st.model : "unknown";
  st.counted = true;
  st.downstream_counted = true;
  w.metrics().add(Metric::kActiveDownstream, {st.model_label}, 1);

  if (req.prompt_status != PromptStatus::kFound) {
    return Refusal{404, "prompt not found", "prompt_parsing", "prompt_parsing"};
  }
  std::string& prompt = w.scratch().prompt;
  build_prompt_string(req.prompt, prompt);
  st.input_tokens = estimate_tokens(prompt);

  ExchangeHeaders headers(ex);
  auto match = routes.match(st.model, headers, st.path, w.rng());
  if (!match) return Refusal{404, "route not found", "route_not_found", "route_not_found"};
  st.route_key = match->route->key;
  st.log.model_route = st.route_key;
  // "ns/name" of the target, for the error messages only.
  auto target = [&] { return fmt::format("{}/{}", match->namespace_name, match->target_name); };
  if (match->kind == TargetKind::kExternalModelProvider) {
    // ExternalModelProvider routing (kthena-router.md §3.13) is not served yet: no provider is ever found.
    return Refusal{404, "can't find external model provider: " + target(), "provider_discovery", "provider_discovery"};
  }
  st.server = st.snap.find_server(match->namespace_name, match->target_name);
  if (st.server == nullptr) {
    return Refusal{404, "can't find model server: " + target(), "pod_discovery", "pod_discovery"};
  }
  st.log.model_server = st.server->key;
  st.log.backend_type = "model_server";
  st.log.backend_name = st.server->key;
  if (st.server->endpoints.empty()) {
    return Refusal{503, "no available pods for model server: " + target(), "pod_discovery", "pod_discovery"};
  }
  const auto& spec = st.server->server->spec;
  st.upstream_model = spec.model && !match->lora ? *spec.model : st.model;
  st.log.upstream_model = st.upstream_model;

  build_upstream_bodies(st, req, body);
  build_upstream_headers(st);

  SchedulingContext& ctx = st.sched;
  ctx.model = st.model;
  ctx.prompt = prompt;
  ctx.prompt_parts = &req.prompt;
  ctx.model_server = st.server->key;
  ctx.upstream_model = st.upstream_model;
  ctx.rng = &w.rng();
  ctx.scratch = &w.scratch();
  ctx.reader_slot = w.index();
  ctx.observer = &w.observer();
  return std::nullopt;
}

std::optional<RequestPipeline::Refusal> RequestPipeline::schedule(RequestState& st) {
  SchedulingContext& ctx = st.sched;
  const Scheduler& scheduler = *st.snap.scheduler;
  // The scheduler times its plugins from this mark (the worker's observer is always set), one clock read per plugin,
  // and where the last one ended, request processing ends and the upstream phase starts: no clock read of their own
  // for the checkpoints (docs/compatibility.md, "access-log timings").
  ctx.clock_mark = std::chrono::steady_clock::now();
  Result<void> scheduled = st.server->pd ? scheduler.schedule_pd(ctx, *st.server, st.picked)
                                         : scheduler.schedule(ctx, st.server->endpoints, st.picked);
  // The prompt string and its parts are views into this thread's buffers; nothing below may read them.
  ctx.prompt = {};
  ctx.prompt_parts = nullptr;
  st.processed = ctx.clock_mark;
  st.upstream_started = st.processed;
  if (!scheduled) return Refusal{400, "can't schedule to target pod: " + scheduled.error().message, "scheduling"};
  return std::nullopt;
}

}  // namespace kthena::router
