// N independent engines in one process on one set of reactor threads (timers, not threads, per engine): the
// `--instances N --base-port P` / `--base-address A` / `--fleet FILE` forms of `kthena engine-sim`.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "http/reactor.h"
#include "sim/engine_args.h"
#include "sim/engine_server.h"
#include "sim/kv_transfer_registry.h"

namespace kthena::sim {

class Fleet {
 public:
  // Engine i gets port base_port + i, or address base_address + i on the engine's port; each engine is pinned to
  // reactor i % threads. With a fleet file, each entry's "args" are parsed after the command line's.
  static Result<std::unique_ptr<Fleet>> start(const EngineArgs& args, const std::vector<std::string>& argv);
  ~Fleet();

  std::vector<EngineServer*> engines();
  void shutdown(std::chrono::milliseconds grace);

 private:
  Fleet() = default;
  std::unique_ptr<http::ReactorPool> pool_;
  std::unique_ptr<KvTransferRegistry> registry_;
  std::vector<std::unique_ptr<EngineServer>> servers_;
};

}  // namespace kthena::sim
