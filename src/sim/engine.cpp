#include "sim/engine.h"

#include <algorithm>
#include <chrono>

#include <xxhash.h>
#include <boost/asio/post.hpp>

namespace kthena::sim {
namespace {

double seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

}  // namespace

Engine::Engine(EngineConfig config, http::Reactor& reactor, std::string engine_id, uint32_t index)
    : config_(std::move(config)),
      reactor_(reactor),
      engine_id_(std::move(engine_id)),
      index_(index),
      kv_(config_.kv_blocks(), config_.block_size, config_.enable_prefix_caching),
      stats_(config_.context_length()),
      loras_(config_.lora_modules),
      step_timer_(reactor.context()),
      lease_timer_(reactor.context()) {}

Engine::~Engine() = default;

std::shared_ptr<SimRequest> Engine::submit(RequestSpec spec) {
  uint64_t prompt_hash = XXH64(spec.prompt.data(), spec.prompt.size() * sizeof(TokenId), 0);
  uint64_t seed = spec.seed ? mix64(*spec.seed ^ prompt_hash) : mix64(config_.seed ^ prompt_hash ^ mix64(++submitted_));
  auto r = std::make_shared<SimRequest>(reactor_.executor(), std::move(spec), seed);
  r->tokens = r->spec.prompt;
  r->prompt_len = r->tokens.size();
  uint32_t room =
      static_cast<uint32_t>(config_.context_length() - std::min<size_t>(r->prompt_len, config_.context_length()));
  r->max_tokens = r->spec.max_tokens == 0 ? room : std::min(r->spec.max_tokens, room);
  r->natural_length = r->generator.natural_length(config_.output_len_mean);
  extend_hashes(*r);
  ++stats_.requests_total;
  waiting_.push_back(r);
  kick();
  return r;
}

void Engine::kick() {
  if (stepping_) return;
  stepping_ = true;
  // Posted, so that requests arriving in the same reactor turn join the same first step.
  boost::asio::post(reactor_.context(), [this] { schedule_step(); });
}

void Engine::extend_hashes(SimRequest& r) {
  size_t full = r.tokens.size() / config_.block_size;
  while (r.block_hashes.size() < full) {
    size_t i = r.block_hashes.size();
    BlockHash parent = i == 0 ? KvCache::root(r.spec.lora) : r.block_hashes[i - 1];
    std::span<const TokenId> block(r.tokens.data() + i * config_.block_size, config_.block_size);
    r.block_hashes.push_back(KvCache::chain(parent, block));
  }
}

bool Engine::ensure_blocks(SimRequest& r, size_t tokens) {
  size_t need = (tokens + config_.block_size - 1) / config_.block_size;
  if (need <= r.blocks.size()) return true;
  return kv_.allocate(need - r.blocks.size(), r.blocks);
}

void Engine::preempt(const std::shared_ptr<SimRequest>& r) {
  running_.erase(std::find(running_.begin(), running_.end(), r));
  kv_.release(r->blocks);
  r->computed = 0;
  r->committed_blocks = 0;
  r->state = SimRequest::State::kWaiting;
  waiting_.push_front(r);
  ++stats_.preemptions;
}

// First scheduling (or after a preemption): take what the prefix cache already holds. vLLM always computes at least
// the last prompt token, so a fully cached prompt still costs one token.
void Engine::admit_prefix(SimRequest& r) {
  if (r.spec.remote_prefilled && r.output_tokens == 0) {
    r.cached_tokens = 0;
    return;
  }
  size_t max_blocks = (r.tokens.size() - 1) / config_.block_size;
  std::span<const BlockHash> hashes(r.block_hashes.data(), std::min(max_blocks, r.block_hashes.size()));
  size_t n = kv_.cached_prefix(hashes);
  kv_.acquire_cached(hashes, n, r.blocks);
  r.computed = n * config_.block_size;
  r.committed_blocks = n;
  stats_.prefix_cache_queries += r.tokens.size();
  stats_.prefix_cache_hits += r.computed;
  if (r.output_tokens == 0) r.cached_tokens = r.computed;
}

bool Engine::lora_slot_available(const SimRequest& r) const {
  if (r.spec.lora.empty()) return true;
  std::vector<std::string_view> active;
  for (const auto& x : running_) {
    if (x->spec.lora.empty()) continue;
    if (x->spec.lora == r.spec.lora) return true;
    if (std::find(active.begin(), active.end(), x->spec.lora) == active.end()) active.push_back(x->spec.lora);
  }
  return active.size() < config_.max_loras;
}

void Engine::schedule_step() {
  expire_leases();
  batch_.clear();
  uint32_t budget = config_.max_num_batched_tokens;
  uint64_t tokens = 0;
  uint64_t context = 0;
  bool preempted = false;
  for (size_t i = 0; i < running_.size() && budget > 0;) {
    std::shared_ptr<SimRequest> r = running_[i];
    uint32_t want = static_cast<uint32_t>(std::min<size_t>(r->tokens.size() - r->computed, budget));
    bool still_running = true;
    while (!ensure_blocks(*r, r->computed + want)) {
      std::shared_ptr<SimRequest> victim = running_.back();
      preempt(victim);
      preempted = true;
      if (victim == r) {
        still_running = false;
        break;
      }
    }
    if (!still_running) break;
    batch_.push_back({r, want});
    budget -= want;
    tokens += want;
    context += r->computed + want;
    ++i;
  }
  if (!preempted) {
    for (size_t i = 0; i < waiting_.size() && budget > 0 && running_.size() < config_.max_num_seqs;) {
      std::shared_ptr<SimRequest> r = waiting_[i];
      if (!lora_slot_available(*r)) {
        ++i;  // vLLM skips a request whose adapter cannot join the batch and looks further
        continue;
      }
      if (r->computed == 0 && r->blocks.empty()) admit_prefix(*r);
      if (r->spec.remote_prefilled && r->output_tokens == 0 && r->computed == 0) {
        // The KV arrived from the prefill engine: it needs blocks, but only the last prompt token is computed.
        if (!ensure_blocks(*r, r->tokens.size())) break;
        r->computed = r->tokens.size() - 1;
      }
      uint32_t want = static_cast<uint32_t>(std::min<size_t>(r->tokens.size() - r->computed, budget));
      if (!ensure_blocks(*r, r->computed + want)) {
        kv_.release(r->blocks);
        r->computed = 0;
        r->committed_blocks = 0;
        break;  // the cache is full: admit nothing more this step
      }
      waiting_.erase(waiting_.begin() + static_cast<std::ptrdiff_t>(i));
      r->state = SimRequest::State::kRunning;
      if (r->scheduled == Clock::time_point{}) r->scheduled = Clock::now();
      running_.push_back(r);
      batch_.push_back({r, want});
      budget -= want;
      tokens += want;
      context += r->computed + want;
    }
  }
  if (batch_.empty()) {
    stepping_ = false;
    return;
  }
  ++steps_;
  stats_.iteration_tokens.observe(static_cast<double>(tokens));
  const ModelProfile& p = config_.profile;
  double tp_scale = 1.0;
  if (config_.tensor_parallel_size != 0 && config_.tensor_parallel_size != p.tensor_parallel) {
    tp_scale = double(p.tensor_parallel) / double(config_.tensor_parallel_size);
  }
  double ms = p.overhead_ms + std::max(p.weights_ms * tp_scale, p.prefill_ms_per_token * tp_scale * double(tokens)) +
              p.kv_read_us_per_token * tp_scale * double(context) / 1000.0;
  auto duration =
      std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double, std::milli>(ms * config_.time_scale));
  step_timer_.expires_after(duration);
  step_timer_.async_wait([this](boost::system::error_code ec) {
    if (!ec) complete_step();
  });
}

void Engine::complete_step() {
  Clock::time_point now = Clock::now();
  for (Scheduled& s : batch_) {
    SimRequest& r = *s.request;
    if (r.finished() || r.state != SimRequest::State::kRunning) continue;  // aborted or preempted meanwhile
    r.computed += s.tokens;
    size_t full = r.computed / config_.block_size;
    while (r.committed_blocks < full && r.committed_blocks < r.block_hashes.size()) {
      kv_.commit(r.blocks[r.committed_blocks], r.block_hashes[r.committed_blocks]);
      ++r.committed_blocks;
    }
    if (r.computed == r.tokens.size()) append_token(s.request, now);
  }
  for (Scheduled& s : batch_) {
    if (s.request->finished()) continue;
    s.request->notify();
  }
  batch_.clear();
  // vLLM's scheduler runs the next step at once; the new step's own duration is the time it takes.
  schedule_step();
}

void Engine::append_token(const std::shared_ptr<SimRequest>& self, Clock::time_point now) {
  SimRequest& r = *self;
  size_t before = r.text.size();
  r.generator.next(r.text);
  std::vector<TokenId> ids;
  Tokenizer::encode(std::string_view(r.text).substr(before), ids);
  r.tokens.push_back(ids.empty() ? TokenId(' ') : ids.front());
  extend_hashes(r);
  ++r.output_tokens;
  ++stats_.generation_tokens;
  if (r.output_tokens == 1) {
    r.first_token = now;
    stats_.prompt_tokens += r.prompt_len;
    stats_.ttft.observe(seconds(now - r.arrival));
    stats_.sglang_ttft.observe(seconds(now - r.arrival));
  } else {
    stats_.itl.observe(seconds(now - r.last_token));
    stats_.sglang_itl.observe(seconds(now - r.last_token));
  }
  r.last_token = now;

  for (const std::string& stop : r.spec.stop) {
    if (stop.empty()) continue;
    size_t from = before >= stop.size() ? before - stop.size() + 1 : 0;
    size_t at = r.text.find(stop, from);
    if (at != std::string::npos) {
      r.text.resize(at);
      r.stop_reason = stop;
      finish(self, FinishReason::kStop, now);
      return;
    }
  }
  if (r.output_tokens >= r.max_tokens) {
    finish(self, FinishReason::kLength, now);
  } else if (!r.spec.ignore_eos && r.output_tokens >= r.natural_length && r.output_tokens >= r.spec.min_tokens) {
    finish(self, FinishReason::kStop, now);
  }
}

void Engine::finish(const std::shared_ptr<SimRequest>& r, FinishReason reason, Clock::time_point now) {
  if (!r || r->finished()) return;
  bool was_running = r->state == SimRequest::State::kRunning;
  r->state = SimRequest::State::kFinished;
  r->finish_reason = reason;
  if (was_running) {
    auto it = std::find(running_.begin(), running_.end(), r);
    if (it != running_.end()) running_.erase(it);
  } else {
    auto it = std::find(waiting_.begin(), waiting_.end(), r);
    if (it != waiting_.end()) waiting_.erase(it);
  }
  if (r->spec.hold_kv_for_remote && reason == FinishReason::kLength && !r->blocks.empty()) {
    HeldKv held{std::move(r->blocks), r->prompt_len, now + config_.kv_lease};
    r->blocks.clear();
    held_[r->spec.id] = std::move(held);
    if (held_.size() == 1) expire_leases();
  } else {
    kv_.release(r->blocks);
  }
  ++stats_.finished[static_cast<size_t>(reason)];
  if (r->output_tokens > 0) {
    stats_.e2e.observe(seconds(now - r->arrival));
    stats_.sglang_e2e.observe(seconds(now - r->arrival));
    stats_.queue.observe(seconds(r->scheduled - r->arrival));
    stats_.sglang_queue.observe(seconds(r->scheduled - r->arrival));
    stats_.inference.observe(seconds(now - r->scheduled));
    stats_.prefill.observe(seconds(r->first_token - r->scheduled));
    stats_.decode.observe(seconds(now - r->first_token));
    if (r->output_tokens > 1) stats_.tpot.observe(seconds(now - r->first_token) / double(r->output_tokens - 1));
    stats_.prompt_len.observe(double(r->prompt_len));
    stats_.generation_len.observe(double(r->output_tokens));
    stats_.max_generation_len.observe(double(r->output_tokens));
    stats_.max_tokens_param.observe(double(r->max_tokens));
    stats_.n_param.observe(double(r->spec.n));
  }
  r->notify();
}

void Engine::abort(const std::shared_ptr<SimRequest>& request) {
  if (request->finished()) return;
  finish(request, FinishReason::kAbort, Clock::now());
  if (!stepping_ && !waiting_.empty()) kick();
}

void Engine::expire_leases() {
  Clock::time_point now = Clock::now();
  Clock::time_point next = Clock::time_point::max();
  for (auto it = held_.begin(); it != held_.end();) {
    if (it->second.expires <= now) {
      kv_.release(it->second.blocks);
      it = held_.erase(it);
    } else {
      next = std::min(next, it->second.expires);
      ++it;
    }
  }
  if (next != Clock::time_point::max()) {
    lease_timer_.expires_at(next);
    lease_timer_.async_wait([this](boost::system::error_code ec) {
      if (!ec) expire_leases();
    });
  }
}

std::optional<size_t> Engine::release_held(const std::string& key) {
  auto it = held_.find(key);
  if (it == held_.end()) return std::nullopt;
  size_t tokens = it->second.num_tokens;
  kv_.release(it->second.blocks);
  held_.erase(it);
  if (held_.empty()) lease_timer_.cancel();
  if (!stepping_ && !waiting_.empty()) kick();
  return tokens;
}

bool Engine::has_lora(std::string_view name) const {
  return std::any_of(loras_.begin(), loras_.end(), [&](const LoraModule& m) { return m.name == name; });
}

Result<void> Engine::load_lora(LoraModule module) {
  if (has_lora(module.name)) {
    return fail(ErrorCode::kBadRequest, "The lora adapter '" + module.name +
                                            "' has already been loaded. If you want to load the adapter in place, "
                                            "set 'load_inplace' to True.");
  }
  loras_.push_back(std::move(module));
  return {};
}

Result<void> Engine::unload_lora(std::string_view name) {
  auto it = std::find_if(loras_.begin(), loras_.end(), [&](const LoraModule& m) { return m.name == name; });
  if (it == loras_.end()) {
    return fail(ErrorCode::kNotFound, "The lora adapter '" + std::string(name) + "' cannot be found.");
  }
  loras_.erase(it);
  return {};
}

namespace {
template <class Container>
std::string join_loras(const Container& requests) {
  std::vector<std::string_view> names;
  for (const auto& r : requests) {
    if (!r->spec.lora.empty() && std::find(names.begin(), names.end(), r->spec.lora) == names.end()) {
      names.push_back(r->spec.lora);
    }
  }
  std::string out;
  for (std::string_view n : names) {
    if (!out.empty()) out.push_back(',');
    out.append(n);
  }
  return out;
}
}  // namespace

std::string Engine::running_loras() const {
  return join_loras(running_);
}
std::string Engine::waiting_loras() const {
  return join_loras(waiting_);
}

}  // namespace kthena::sim
