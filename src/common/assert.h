// KTHENA_ASSERT is for invariants of our own code, never for user input: input errors are Result values.
#pragma once

#include <cstdio>
#include <cstdlib>

#define KTHENA_ASSERT(cond, why)                                                                  \
  do {                                                                                            \
    if (!(cond)) [[unlikely]] {                                                                   \
      std::fprintf(stderr, "%s:%d: assertion failed: %s (%s)\n", __FILE__, __LINE__, #cond, why); \
      std::abort();                                                                               \
    }                                                                                             \
  } while (0)
