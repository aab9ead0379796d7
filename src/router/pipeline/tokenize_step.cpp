#include "router/pipeline/tokenize_step.h"

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "router/pipeline/upstream_call.h"

namespace kthena::router {

http::asio::awaitable<void> tokenize_for_kvcache(RequestState& st, const KvCacheAware& plugin) {
  using namespace boost::asio::experimental::awaitable_operators;
  SchedulingContext& ctx = st.sched;
  std::span<const Endpoint* const> candidates =
      st.server->pd ? std::span<const Endpoint* const>(st.server->decode) : st.server->endpoints;
  std::optional<TokenizeCall> call = plugin.tokenize_call(ctx, candidates);
  // From here on the request may suspend: keep its own copy of the prompt string.
  st.owned_prompt.assign(ctx.prompt);
  ctx.prompt = st.owned_prompt;
  ctx.prompt_parts = nullptr;
  if (!call) {
    // Nothing to tokenize, or no candidate with an address. Not an "unsupported engine": every engine the API admits
    // (vLLM, SGLang) has a tokenizer endpoint, so kthena_router_tokenizer_unsupported_engine_total stays empty.
    ctx.tokens_state = SchedulingContext::Tokens::kFailed;
    co_return;
  }
  http::Endpoint target(call->endpoint->ip, static_cast<uint16_t>(call->port));
  http::Header headers[] = {{"Content-Type", "application/json"}};
  http::ClientRequest request{"POST", "/tokenize", headers, call->body};
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (attempt > 0) co_await sleep_for(st, std::chrono::seconds(1));
    boost::asio::steady_timer timer(st.ex.executor(), std::chrono::seconds(5));
    auto winner = co_await (st.w.client().fetch(target, request, 16 * 1024 * 1024) ||
                            timer.async_wait(boost::asio::use_awaitable));
    if (winner.index() != 0) continue;
    auto& response = std::get<0>(winner);
    if (!response || response->status < 200 || response->status >= 300) continue;
    if (!parse_tokenize_response(response->body, ctx.tokens)) continue;
    ctx.tokens_state = SchedulingContext::Tokens::kReady;
    st.w.observer().kvcache_duration(ctx.model, SchedulerObserver::KvStage::kTokenize,
                                     std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    co_return;
  }
  ctx.tokens_state = SchedulingContext::Tokens::kFailed;
  st.w.observer().kvcache_error(ctx.model, SchedulerObserver::KvStage::kTokenize);
}

}  // namespace kthena::router
