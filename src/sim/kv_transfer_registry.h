// Where decode engines find the prefill engine that holds a request's KV blocks: engines publish a key (a vLLM
// request id or transfer id, an SGLang bootstrap room) when they keep blocks for a remote decode, and the decode
// side takes it. Shared by every engine of one process. Thread-safe (a mutex; touched once per PD request).
#pragma once

#include <map>
#include <mutex>
#include <string>

namespace kthena::sim {

class Engine;

class KvTransferRegistry {
 public:
  void add_engine(Engine& engine);
  void remove_engine(Engine& engine);
  Engine* find_engine(const std::string& engine_id);

  void publish(const std::string& key, Engine& holder);
  // The engine holding `key`, which is forgotten; nullptr when nobody published it.
  Engine* take(const std::string& key);

 private:
  std::mutex mu_;
  std::map<std::string, Engine*> engines_;
  std::map<std::string, Engine*> held_;
};

}  // namespace kthena::sim
