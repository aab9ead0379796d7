// One generation request inside a simulated engine, shared by the engine (which advances it) and the HTTP handler
// (which waits on `wake` and streams what was generated). Engine thread only.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/steady_timer.hpp>

#include "http/reactor.h"
#include "sim/engine_stats.h"
#include "sim/kv_cache.h"
#include "sim/text_generator.h"
#include "sim/tokenizer.h"

namespace kthena::sim {

using http::Clock;

struct RequestSpec {
  std::string id;
  std::vector<TokenId> prompt;
  uint32_t max_tokens = 0;  // 0: up to the context length
  uint32_t min_tokens = 0;
  bool ignore_eos = false;
  std::vector<std::string> stop;
  std::optional<uint64_t> seed;
  std::string lora;  // adapter name; empty: the base model
  uint32_t n = 1;
  // Prefill/decode: keep the KV blocks after finishing for a decode engine to pull (vLLM do_remote_decode, SGLang
  // prefill role).
  bool hold_kv_for_remote = false;
  // Prefill/decode: the prompt's KV was transferred from a prefill engine, so only the last prompt token is computed.
  bool remote_prefilled = false;
};

struct SimRequest {
  SimRequest(boost::asio::any_io_executor ex, RequestSpec s, uint64_t gen_seed)
      : spec(std::move(s)), generator(gen_seed), wake(ex, Clock::time_point::max()) {}

  RequestSpec spec;
  std::vector<TokenId> tokens;  // prompt, then generated tokens
  size_t prompt_len = 0;
  std::vector<uint32_t> blocks;         // KV blocks in token order
  std::vector<BlockHash> block_hashes;  // of the full blocks of `tokens` so far
  size_t committed_blocks = 0;
  size_t computed = 0;  // tokens whose KV is computed
  uint32_t max_tokens = 0;
  uint32_t natural_length = 0;
  size_t cached_tokens = 0;  // prompt tokens found in the prefix cache at first scheduling

  TextGenerator generator;
  std::string text;  // generated so far (truncated at a stop string)
  uint32_t output_tokens = 0;

  enum class State { kWaiting, kRunning, kFinished };
  State state = State::kWaiting;
  FinishReason finish_reason = FinishReason::kStop;
  std::string stop_reason;  // the matched stop string, if any
  std::string error;        // why it failed, when finish_reason == kError

  Clock::time_point arrival = Clock::now();
  Clock::time_point scheduled{};
  Clock::time_point first_token{};
  Clock::time_point last_token{};

  // The handler waits on this timer; the engine cancels it to say "something changed".
  boost::asio::steady_timer wake;
  void notify() { wake.cancel(); }
  bool finished() const { return state == State::kFinished; }
};

}  // namespace kthena::sim
