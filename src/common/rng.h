// A small fast random generator (xoshiro256**) for load-spreading decisions: weighted targets, tie-breaking, the
// random plugin, SGLang bootstrap rooms. Not for secrets. One per worker thread; never shared.
#pragma once

#include <cstdint>

namespace kthena {

class Rng {
 public:
  explicit Rng(uint64_t seed);

  uint64_t next();
  // Uniform in [0, n); n > 0. Lemire's multiply-shift with rejection, so no modulo bias.
  uint64_t below(uint64_t n);
  // A uniform non-negative int64 (Go's rand.Int63()).
  int64_t int63() { return static_cast<int64_t>(next() >> 1); }

 private:
  uint64_t s_[4];
};

// A seed from the OS entropy pool, for generators created at startup.
uint64_t random_seed();

}  // namespace kthena
