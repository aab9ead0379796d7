// The engine port of a ModelBooster backend (upstream's GetEnginePort): the ModelBooster webhook validates it, and
// the converter puts it into the generated ModelServing, ModelServer and probes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include <tl/expected.hpp>

#include "api/json.h"

namespace kthena::api {

inline constexpr int32_t kDefaultEnginePort = 8000;

struct EnginePortError {
  size_t worker_index = 0;  // the worker at fault, in spec.backend.workers
  Json bad_value;           // what the webhook reports as the invalid value
  std::string message;      // upstream's text, e.g. `invalid port "abc" for worker server`
};

// Only server, prefill and decode workers count. A worker's port is its config "port" (a number or a numeric
// string, 1..65535), 8000 when absent; all counted workers must agree. Returns 8000 when no worker counts.
tl::expected<int32_t, EnginePortError> engine_port(const Json& backend);

}  // namespace kthena::api
