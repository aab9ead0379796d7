// One simulated engine behind its own HTTP listener: the OpenAI routes, /metrics, /tokenize, LoRA management and
// the engine-specific extras of vLLM or SGLang. The engine and all its connections live on one reactor.
#pragma once

#include <memory>
#include <random>
#include <string>

#include "common/result.h"
#include "http/server.h"
#include "sim/engine.h"
#include "sim/kv_transfer_registry.h"
#include "sim/openai_codec.h"

namespace kthena::sim {

class EngineServer {
 public:
  // Binds config.host:config.port on reactor `reactor_index` of `pool`. `registry` must outlive the server.
  static Result<std::unique_ptr<EngineServer>> start(http::ReactorPool& pool, size_t reactor_index, EngineConfig config,
                                                     uint32_t index, KvTransferRegistry& registry);
  ~EngineServer();

  uint16_t port() const { return server_->port(); }
  const std::string& address() const { return server_->address(); }
  Engine& engine() { return *engine_; }
  // Graceful: stops accepting, lets streams finish for `grace`. Not from a reactor thread.
  void shutdown(std::chrono::milliseconds grace);

 private:
  EngineServer(std::unique_ptr<Engine> engine, KvTransferRegistry& registry);
  boost::asio::awaitable<void> handle(http::Exchange& ex);
  boost::asio::awaitable<void> generate(http::Exchange& ex, Api api);
  boost::asio::awaitable<void> tokenize(http::Exchange& ex);
  boost::asio::awaitable<void> detokenize(http::Exchange& ex);
  boost::asio::awaitable<void> models(http::Exchange& ex);
  boost::asio::awaitable<void> load_lora(http::Exchange& ex, bool unload);
  boost::asio::awaitable<void> respond_error(http::Exchange& ex, const ApiError& e);
  boost::asio::awaitable<void> respond_json(http::Exchange& ex, int status, std::string_view body);

  std::unique_ptr<Engine> engine_;
  KvTransferRegistry& registry_;
  std::unique_ptr<http::Server> server_;
  std::mt19937_64 rng_;  // reactor thread only
};

}  // namespace kthena::sim
