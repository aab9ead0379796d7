// A Prometheus histogram with fixed upper bounds, for the simulator's engine metrics. Engine thread only.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace kthena::sim {

class Histogram {
 public:
  explicit Histogram(std::span<const double> bounds) : bounds_(bounds.begin(), bounds.end()), counts_(bounds.size()) {}
  void observe(double v) {
    for (size_t i = 0; i < bounds_.size(); ++i) {
      if (v <= bounds_[i]) ++counts_[i];  // cumulative
    }
    ++count_;
    sum_ += v;
  }
  const std::vector<double>& bounds() const { return bounds_; }
  const std::vector<uint64_t>& cumulative() const { return counts_; }
  uint64_t count() const { return count_; }
  double sum() const { return sum_; }

 private:
  std::vector<double> bounds_;
  std::vector<uint64_t> counts_;
  uint64_t count_ = 0;
  double sum_ = 0;
};

}  // namespace kthena::sim
