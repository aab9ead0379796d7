#include "sim/engine_stats.h"

namespace kthena::sim {

std::vector<double> one_two_five_buckets(double max) {
  std::vector<double> out;
  for (double base = 1;; base *= 10) {
    for (double m : {1.0, 2.0, 5.0}) {
      if (base * m > max) return out;
      out.push_back(base * m);
    }
  }
}

namespace {
Histogram token_histogram(uint32_t max_model_len) {
  std::vector<double> b = one_two_five_buckets(max_model_len);
  return Histogram(b);
}
}  // namespace

EngineStats::EngineStats(uint32_t max_model_len)
    : prompt_len(token_histogram(max_model_len)),
      generation_len(token_histogram(max_model_len)),
      max_tokens_param(token_histogram(max_model_len)),
      max_generation_len(token_histogram(max_model_len)) {}

}  // namespace kthena::sim
