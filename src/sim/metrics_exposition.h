// /metrics of a simulated engine in vLLM's or SGLang's Prometheus text: the same names, HELP texts, label sets
// (sorted by name) and bucket bounds as the real engines, and Python's float formatting ("4.0").
#pragma once

#include <string>

namespace kthena::sim {

class Engine;

std::string render_vllm_metrics(Engine& engine);
std::string render_sglang_metrics(Engine& engine);

}  // namespace kthena::sim
