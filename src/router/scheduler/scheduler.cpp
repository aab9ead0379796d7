#include "router/scheduler/scheduler.h"

#include <algorithm>
#include <chrono>

#include <fmt/format.h>

#include "router/endpoints/passive_health.h"

namespace kthena::router {
namespace {

using Clock = std::chrono::steady_clock;

// Seconds from `mark` to now; `mark` moves to now, so that one plugin's end is the next one's start.
double seconds_since(Clock::time_point& mark) {
  Clock::time_point now = Clock::now();
  double seconds = std::chrono::duration<double>(now - mark).count();
  mark = now;
  return seconds;
}

// A caller that did not set the mark gets one now.
void start_clock(SchedulingContext& ctx) {
  if (ctx.observer != nullptr && ctx.clock_mark == Clock::time_point{}) ctx.clock_mark = Clock::now();
}

}  // namespace

Result<std::shared_ptr<const Scheduler>> Scheduler::create(const SchedulerConfig& config, PluginEnv& env) {
  auto scheduler = std::make_shared<Scheduler>();
  scheduler->config_ = config;
  // One instance per plugin name, shared by its filter and score roles.
  StringMap<PluginInstance> instances;
  auto instance = [&](const std::string& name, const std::string& field) -> Result<PluginInstance> {
    if (auto it = instances.find(name); it != instances.end()) return it->second;
    const PluginRegistration* registration = find_plugin(name);
    if (registration == nullptr) return fail(ErrorCode::kInvalid, fmt::format("unknown plugin \"{}\"", name), field);
    auto created = registration->create(config.args_for(name), env);
    if (!created) return fail(created.error());
    instances.emplace(name, *created);
    return *created;
  };
  for (size_t i = 0; i < config.filters.size(); ++i) {
    const std::string& name = config.filters[i];
    std::string field = fmt::format("scheduler.plugins.Filter.enabled[{}]", i);
    auto p = instance(name, field);
    if (!p) return fail(p.error());
    if (p->filter == nullptr) {
      return fail(ErrorCode::kInvalid, fmt::format("plugin \"{}\" is not a filter", name), field);
    }
    scheduler->filters_.push_back(p->filter);
    scheduler->uses_least_request_ |= name == "least-request";
  }
  for (const SchedulerConfig::Score& s : config.scores) {
    auto p = instance(s.name, s.field);
    if (!p) return fail(p.error());
    if (p->score == nullptr) {
      return fail(ErrorCode::kInvalid, fmt::format("plugin \"{}\" is not a score plugin", s.name), s.field);
    }
    scheduler->scores_.push_back({p->score, s.weight});
    // Without a block index (REDIS_HOST unset) the plugin scores nothing: no tokenising for it.
    auto* kv = dynamic_cast<const KvCacheAware*>(p->score.get());
    if (kv != nullptr && kv->has_index()) scheduler->kvcache_ = kv;
    scheduler->uses_least_request_ |= s.name == "least-request";
  }
  return std::shared_ptr<const Scheduler>(std::move(scheduler));
}

std::string_view Scheduler::run_filters(SchedulingContext& ctx, std::span<const Endpoint* const> candidates) const {
  SchedulingScratch& s = *ctx.scratch;
  // Ejected pods (passive_health.h) are a last resort: the filters run over the others first, and over every pod only
  // when that leaves none (all the others busy, say), so that an ejection never turns a servable request into a 400.
  std::span<const Endpoint* const> preferred = healthy(candidates, CoarseClock::now(), s.healthy);
  std::string_view failed = filter(ctx, preferred);
  if (!failed.empty() && preferred.size() != candidates.size()) failed = filter(ctx, candidates);
  return failed;
}

std::string_view Scheduler::filter(SchedulingContext& ctx, std::span<const Endpoint* const> candidates) const {
  SchedulingScratch& s = *ctx.scratch;
  s.candidates.assign(candidates.begin(), candidates.end());
  for (const auto& f : filters_) {
    s.filtered.clear();
    f->filter(ctx, s.candidates, s.filtered);
    if (ctx.observer) {
      ctx.observer->plugin_duration(ctx.model, f->name(), SchedulerObserver::PluginKind::kFilter,
                                    seconds_since(ctx.clock_mark));
    }
    if (s.filtered.empty()) return f->name();
    s.candidates.swap(s.filtered);
  }
  return {};
}

size_t Scheduler::top(SchedulingContext& ctx, size_t n, const Endpoint** out) const {
  SchedulingScratch& s = *ctx.scratch;
  size_t count = s.candidates.size();
  s.totals.assign(count, 0);
  s.scored.assign(count, 0);
  s.plugin_scores.resize(count);
  for (const WeightedScore& w : scores_) {
    std::fill(s.plugin_scores.begin(), s.plugin_scores.end(), kNoScore);
    w.plugin->score(ctx, s.candidates, s.plugin_scores);
    if (ctx.observer) {
      ctx.observer->plugin_duration(ctx.model, w.plugin->name(), SchedulerObserver::PluginKind::kScore,
                                    seconds_since(ctx.clock_mark));
    }
    for (size_t i = 0; i < count; ++i) {
      if (s.plugin_scores[i] == kNoScore) continue;
      s.totals[i] += w.weight * s.plugin_scores[i];
      s.scored[i] = 1;
    }
  }
  // Ties are broken by a random key per candidate, which spreads load the way upstream's unordered map iteration
  // does; only the top n are ordered.
  s.ranked.clear();
  s.tie_keys.resize(count);
  for (size_t i = 0; i < count; ++i) {
    if (s.scored[i] == 0) continue;
    s.ranked.push_back(static_cast<uint32_t>(i));
    s.tie_keys[i] = ctx.rng->next();
  }
  size_t take = std::min(n, s.ranked.size());
  auto better = [&s](uint32_t a, uint32_t b) {
    if (s.totals[a] != s.totals[b]) return s.totals[a] > s.totals[b];
    return s.tie_keys[a] < s.tie_keys[b];
  };
  std::partial_sort(s.ranked.begin(), s.ranked.begin() + static_cast<ptrdiff_t>(take), s.ranked.end(), better);
  for (size_t k = 0; k < take; ++k) out[k] = s.candidates[s.ranked[k]];
  return take;
}

Result<void> Scheduler::schedule(SchedulingContext& ctx, std::span<const Endpoint* const> endpoints,
                                 ScheduleResult& out) const {
  out.best_count = 0;
  out.pair_count = 0;
  start_clock(ctx);
  if (std::string_view failed = run_filters(ctx, endpoints); !failed.empty()) {
    return fail(ErrorCode::kBadRequest, fmt::format("pods have all been filtered out by \"{}\"", failed));
  }
  out.best_count = top(ctx, kTopN, out.best.data());
  return {};
}

Result<void> Scheduler::schedule_pd(SchedulingContext& ctx, const ModelServerEntry& server, ScheduleResult& out) const {
  out.best_count = 0;
  out.pair_count = 0;
  if (server.decode.empty()) return fail(ErrorCode::kBadRequest, "no decode pod found");
  start_clock(ctx);
  if (std::string_view failed = run_filters(ctx, server.decode); !failed.empty()) {
    return fail(ErrorCode::kBadRequest, fmt::format("pods have all been filtered out by \"{}\"", failed));
  }
  std::array<const Endpoint*, kTopN> decode{};
  size_t decode_count = top(ctx, kTopN, decode.data());
  for (size_t i = 0; i < decode_count; ++i) {
    const Endpoint* d = decode[i];
    // The decode pod's group: its position in server.decode tells which.
    auto pos = static_cast<size_t>(std::find(server.decode.begin(), server.decode.end(), d) - server.decode.begin());
    const PdGroupPods& group = server.groups[server.decode_group[pos]];
    const Endpoint* prefill = nullptr;
    if (!group.prefill.empty() && run_filters(ctx, group.prefill).empty()) {
      const Endpoint* best[1];
      if (top(ctx, 1, best) == 1) prefill = best[0];
    }
    out.decode[out.pair_count] = d;
    out.prefill[out.pair_count] = prefill;
    ++out.pair_count;
  }
  bool any = false;
  for (size_t i = 0; i < out.pair_count; ++i) any = any || out.prefill[i] != nullptr;
  if (!any) return fail(ErrorCode::kBadRequest, "no valid prefill-decode pod pairs found");
  return {};
}

void Scheduler::on_success(const SchedulingContext& ctx, std::span<const Endpoint* const> endpoints) const {
  for (const WeightedScore& w : scores_) w.plugin->on_success(ctx, endpoints);
}

}  // namespace kthena::router
