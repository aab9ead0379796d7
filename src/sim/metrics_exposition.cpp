#include "sim/metrics_exposition.h"

#include <ctime>
#include <string_view>

#include <fmt/format.h>

#include "sim/engine.h"

namespace kthena::sim {
namespace {

// Python's repr of a float, as prometheus_client prints it: "4.0", "0.1", "1e-05".
void append_number(std::string& out, double v) {
  std::string s = fmt::format("{}", v);
  if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
  out += s;
}

std::string escape_label(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  return out;
}

class Writer {
 public:
  // `labels` are the sorted label pairs rendered once, e.g. engine="0",model_name="m".
  explicit Writer(std::string& out) : out_(out) {}

  void family(std::string_view name, std::string_view type, std::string_view help) {
    out_ += "# HELP ";
    out_ += name;
    out_ += ' ';
    out_ += help;
    out_ += "\n# TYPE ";
    out_ += name;
    out_ += ' ';
    out_ += type;
    out_ += '\n';
  }
  void sample(std::string_view name, std::string_view labels, double value) {
    out_ += name;
    if (!labels.empty()) {
      out_ += '{';
      out_ += labels;
      out_ += '}';
    }
    out_ += ' ';
    append_number(out_, value);
    out_ += '\n';
  }
  void gauge(std::string_view name, std::string_view help, std::string_view labels, double value) {
    family(name, "gauge", help);
    sample(name, labels, value);
  }
  void counter(std::string_view name, std::string_view help, std::string_view labels, double value) {
    family(name, "counter", help);
    sample(name, labels, value);
  }
  // `before` are labels sorting before "le", `after` those sorting after it.
  void histogram(std::string_view name, std::string_view help, std::string_view before, std::string_view after,
                 const Histogram& h) {
    family(name, "histogram", help);
    std::string bucket = std::string(name) + "_bucket";
    const auto& bounds = h.bounds();
    const auto& counts = h.cumulative();
    for (size_t i = 0; i <= bounds.size(); ++i) {
      std::string labels(before);
      if (!labels.empty()) labels += ',';
      labels += "le=\"";
      if (i == bounds.size()) {
        labels += "+Inf";
      } else {
        append_number(labels, bounds[i]);
      }
      labels += '"';
      if (!after.empty()) {
        labels += ',';
        labels += after;
      }
      sample(bucket, labels, double(i == bounds.size() ? h.count() : counts[i]));
    }
    std::string all(before);
    if (!after.empty()) {
      if (!all.empty()) all += ',';
      all += after;
    }
    sample(std::string(name) + "_count", all, double(h.count()));
    sample(std::string(name) + "_sum", all, h.sum());
  }

 private:
  std::string& out_;
};

}  // namespace

std::string render_vllm_metrics(Engine& engine) {
  const EngineConfig& c = engine.config();
  const EngineStats& s = engine.stats();
  std::string out;
  out.reserve(24 * 1024);
  Writer w(out);
  std::string engine_label = "engine=\"" + std::to_string(engine.index()) + "\"";
  std::string model_label = "model_name=\"" + escape_label(c.served_name()) + "\"";
  std::string labels = engine_label + "," + model_label;

  w.gauge("vllm:num_requests_running", "Number of requests in model execution batches.", labels,
          double(engine.num_running()));
  w.gauge("vllm:num_requests_waiting", "Number of requests waiting to be processed.", labels,
          double(engine.num_waiting()));
  w.gauge("vllm:kv_cache_usage_perc", "KV-cache usage. 1 means 100 percent usage.", labels, engine.kv().usage());
  w.gauge("vllm:gpu_cache_usage_perc",
          "GPU KV-cache usage. 1 means 100 percent usage.(DEPRECATED: Use vllm:kv_cache_usage_perc instead.)", labels,
          engine.kv().usage());
  w.counter("vllm:prefix_cache_queries_total", "Prefix cache queries, in terms of number of queried tokens.", labels,
            double(s.prefix_cache_queries));
  w.counter("vllm:prefix_cache_hits_total", "Prefix cache hits, in terms of number of cached tokens.", labels,
            double(s.prefix_cache_hits));
  w.counter("vllm:gpu_prefix_cache_queries_total",
            "GPU prefix cache queries, in terms of number of queried tokens.(DEPRECATED: Use "
            "vllm:prefix_cache_queries instead.)",
            labels, double(s.prefix_cache_queries));
  w.counter("vllm:gpu_prefix_cache_hits_total",
            "GPU prefix cache hits, in terms of number of cached tokens.(DEPRECATED: Use vllm:prefix_cache_hits "
            "instead.)",
            labels, double(s.prefix_cache_hits));
  w.counter("vllm:num_preemptions_total", "Cumulative number of preemption from the engine.", labels,
            double(s.preemptions));
  w.counter("vllm:prompt_tokens_total", "Number of prefill tokens processed.", labels, double(s.prompt_tokens));
  w.counter("vllm:generation_tokens_total", "Number of generation tokens processed.", labels,
            double(s.generation_tokens));
  w.family("vllm:request_success_total", "counter", "Count of successfully processed requests.");
  for (size_t i = 0; i < kFinishReasonNames.size(); ++i) {
    w.sample("vllm:request_success_total",
             engine_label + ",finished_reason=\"" + kFinishReasonNames[i] + "\"," + model_label, double(s.finished[i]));
  }
  if (c.enable_lora) {
    w.gauge("vllm:lora_requests_info", "Running stats on lora requests.",
            "max_lora=\"" + std::to_string(c.max_loras) + "\",running_lora_adapters=\"" +
                escape_label(engine.running_loras()) + "\",waiting_lora_adapters=\"" +
                escape_label(engine.waiting_loras()) + "\"",
            double(std::time(nullptr)));
  }
  w.gauge("vllm:cache_config_info", "Information of the LLMEngine CacheConfig",
          "block_size=\"" + std::to_string(c.block_size) + "\",cache_dtype=\"auto\",enable_prefix_caching=\"" +
              (c.enable_prefix_caching ? "True" : "False") + "\"," + engine_label +
              ",gpu_memory_utilization=\"0.9\",num_gpu_blocks=\"" + std::to_string(engine.kv().total_blocks()) +
              "\",prefix_caching_hash_algo=\"xxhash\"",
          1.0);
  w.histogram("vllm:iteration_tokens_total", "Histogram of number of tokens per engine_step.", engine_label,
              model_label, s.iteration_tokens);
  w.histogram("vllm:time_to_first_token_seconds", "Histogram of time to first token in seconds.", engine_label,
              model_label, s.ttft);
  w.histogram("vllm:inter_token_latency_seconds", "Histogram of inter-token latency in seconds.", engine_label,
              model_label, s.itl);
  w.histogram("vllm:time_per_output_token_seconds",
              "Histogram of time per output token in seconds.DEPRECATED: Use vllm:inter_token_latency_seconds "
              "instead.",
              engine_label, model_label, s.itl);
  w.histogram("vllm:request_time_per_output_token_seconds", "Histogram of time_per_output_token_seconds per request.",
              engine_label, model_label, s.tpot);
  w.histogram("vllm:e2e_request_latency_seconds", "Histogram of e2e request latency in seconds.", engine_label,
              model_label, s.e2e);
  w.histogram("vllm:request_queue_time_seconds", "Histogram of time spent in WAITING phase for request.", engine_label,
              model_label, s.queue);
  w.histogram("vllm:request_inference_time_seconds", "Histogram of time spent in RUNNING phase for request.",
              engine_label, model_label, s.inference);
  w.histogram("vllm:request_prefill_time_seconds", "Histogram of time spent in PREFILL phase for request.",
              engine_label, model_label, s.prefill);
  w.histogram("vllm:request_decode_time_seconds", "Histogram of time spent in DECODE phase for request.", engine_label,
              model_label, s.decode);
  w.histogram("vllm:request_prompt_tokens", "Number of prefill tokens processed.", engine_label, model_label,
              s.prompt_len);
  w.histogram("vllm:request_generation_tokens", "Number of generation tokens processed.", engine_label, model_label,
              s.generation_len);
  w.histogram("vllm:request_max_num_generation_tokens", "Histogram of maximum number of requested generation tokens.",
              engine_label, model_label, s.max_generation_len);
  w.histogram("vllm:request_params_n", "Histogram of the n request parameter.", engine_label, model_label, s.n_param);
  w.histogram("vllm:request_params_max_tokens", "Histogram of the max_tokens request parameter.", engine_label,
              model_label, s.max_tokens_param);
  return out;
}

std::string render_sglang_metrics(Engine& engine) {
  const EngineConfig& c = engine.config();
  const EngineStats& s = engine.stats();
  std::string out;
  out.reserve(16 * 1024);
  Writer w(out);
  std::string_view role = c.role == Role::kPrefill ? "prefill" : c.role == Role::kDecode ? "decode" : "unified";
  std::string model_label = "model_name=\"" + escape_label(c.served_name()) + "\"";
  std::string scheduler =
      "engine_type=\"" + std::string(role) + "\"," + model_label + ",moe_ep_rank=\"0\",pp_rank=\"0\",tp_rank=\"0\"";
  w.gauge("sglang:num_running_reqs", "The number of running requests.", scheduler, double(engine.num_running()));
  w.gauge("sglang:num_queue_reqs", "The number of requests in the waiting queue.", scheduler,
          double(engine.num_waiting()));
  w.gauge("sglang:num_used_tokens", "The number of used tokens.", scheduler, double(engine.kv().used_tokens()));
  w.gauge("sglang:token_usage", "The token usage.", scheduler, engine.kv().usage());
  double hit_rate = s.prefix_cache_queries == 0 ? 0 : double(s.prefix_cache_hits) / double(s.prefix_cache_queries);
  w.gauge("sglang:cache_hit_rate", "The prefix cache hit rate.", scheduler, hit_rate);
  w.counter("sglang:prompt_tokens_total", "Number of prefill tokens processed.", model_label, double(s.prompt_tokens));
  w.counter("sglang:generation_tokens_total", "Number of generation tokens processed.", model_label,
            double(s.generation_tokens));
  w.counter("sglang:cached_tokens_total", "Number of cached prompt tokens.", model_label, double(s.prefix_cache_hits));
  w.counter("sglang:num_requests_total", "Number of requests processed.", model_label, double(s.requests_total));
  w.counter("sglang:num_aborted_requests_total", "Number of requests aborted.", model_label,
            double(s.finished[static_cast<size_t>(FinishReason::kAbort)]));
  w.histogram("sglang:time_to_first_token_seconds", "Histogram of time to first token in seconds.", "", model_label,
              s.sglang_ttft);
  w.histogram("sglang:inter_token_latency_seconds", "Histogram of inter-token latency in seconds.", "", model_label,
              s.sglang_itl);
  w.histogram("sglang:e2e_request_latency_seconds", "Histogram of End-to-end request latency in seconds", "",
              model_label, s.sglang_e2e);
  w.histogram("sglang:queue_time_seconds", "Histogram of queueing time in seconds.", "", model_label, s.sglang_queue);
  return out;
}

}  // namespace kthena::sim
