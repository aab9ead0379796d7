// The two kinds of scheduling plugin (kthena-router.md §4). A plugin is created once from its arguments, lives in
// an immutable snapshot, and is then called concurrently from every worker thread: its methods are const and must
// not allocate.
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <span>
#include <string_view>

#include "router/endpoints/endpoint.h"
#include "router/scheduler/scheduling_context.h"

namespace kthena::router {

// Score written for a candidate that a plugin has no opinion about: the candidate gets nothing from this plugin,
// and a candidate that no plugin scores is not a candidate at all.
inline constexpr int32_t kNoScore = std::numeric_limits<int32_t>::min();

class FilterPlugin {
 public:
  virtual ~FilterPlugin() = default;
  virtual std::string_view name() const = 0;
  // Copies into `kept` the candidates this plugin accepts, in order. An empty result fails scheduling.
  virtual void filter(const SchedulingContext& ctx, std::span<const Endpoint* const> candidates,
                      std::vector<const Endpoint*>& kept) const = 0;
};

class ScorePlugin {
 public:
  virtual ~ScorePlugin() = default;
  virtual std::string_view name() const = 0;
  // Writes scores[i] in [0, 100] for candidates[i], or kNoScore.
  virtual void score(SchedulingContext& ctx, std::span<const Endpoint* const> candidates,
                     std::span<int32_t> scores) const = 0;
  // Runs after a request succeeded on `endpoints` (the chosen pod, or a decode and a prefill pod).
  virtual void on_success(const SchedulingContext& /*ctx*/, std::span<const Endpoint* const> /*endpoints*/) const {}
};

}  // namespace kthena::router
