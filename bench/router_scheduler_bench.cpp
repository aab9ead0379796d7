// Scheduling decision time of the router (docs/benchmarks.md, "Router"): Scheduler::schedule() with upstream's
// default plugins (filter least-request; score least-request, least-latency, gpu-usage, prefix-cache) over 10, 100
// and 1,000 endpoints, for a small chat prompt and a 220 KB one; plus the request-body parse, the route match and the
// prefix hashing that precede it on the request path.
#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <vector>

#include "router/request/request_parser.h"
#include "router/routes/route_table.h"
#include "router/scheduler/prefix_hash.h"
#include "router/scheduler/prefix_index.h"
#include "router/scheduler/scheduler.h"

namespace kthena::router {
namespace {

struct Fleet {
  std::vector<std::unique_ptr<Endpoint>> owned;
  std::vector<const Endpoint*> endpoints;
  explicit Fleet(size_t n) {
    Rng rng(7);
    for (size_t i = 0; i < n; ++i) {
      auto pod = std::make_shared<api::Pod>();
      pod->metadata.name = "pod-" + std::to_string(i);
      pod->metadata.namespace_name = "default";
      auto e = std::make_unique<Endpoint>();
      e->pod = pod;
      e->key = "default/" + pod->metadata.name;
      e->stats = std::make_shared<EndpointStats>(static_cast<uint32_t>(i));
      e->stats->in_flight = static_cast<int64_t>(rng.below(8));
      e->stats->running = static_cast<double>(rng.below(8));
      e->stats->waiting = static_cast<double>(rng.below(3));
      e->stats->gpu_cache_usage = static_cast<double>(rng.below(100)) / 100;
      e->stats->ttft = 0.05 + static_cast<double>(rng.below(100)) / 1000;
      e->stats->tpot = 0.01 + static_cast<double>(rng.below(100)) / 10000;
      endpoints.push_back(e.get());
      owned.push_back(std::move(e));
    }
  }
};

std::string prompt_of_size(size_t bytes) {
  std::string s;
  while (s.size() < bytes) s += "The quick brown fox jumps over the lazy dog. ";
  s.resize(bytes);
  return s;
}

// Upstream's default scheduler, with a prefix index that knows the prompt on a few pods.
void BM_Schedule(benchmark::State& state) {
  Fleet fleet(static_cast<size_t>(state.range(0)));
  std::string prompt = prompt_of_size(static_cast<size_t>(state.range(1)));
  auto index = std::make_shared<PrefixIndex>(50000);
  PluginEnv env;
  env.prefix_index = [&](size_t) { return index; };
  RouterConfig config = default_router_config();
  config.scheduler.scores.push_back({"gpu-usage", 1, ""});
  auto scheduler = Scheduler::create(config.scheduler, env);
  if (!scheduler) {
    state.SkipWithError(scheduler.error().to_string().c_str());
    return;
  }
  std::vector<uint64_t> hashes;
  hash_prompt_blocks("m", prompt, 64, 128, hashes);
  for (size_t i = 0; i < fleet.endpoints.size(); i += 7) index->record(fleet.endpoints[i]->id(), "m", hashes);
  index->flush();
  Rng rng(1);
  SchedulingScratch scratch;
  ScheduleResult out;
  for (auto _ : state) {
    SchedulingContext ctx;
    ctx.model = "m";
    ctx.prompt = prompt;
    ctx.rng = &rng;
    ctx.scratch = &scratch;
    auto r = (*scheduler)->schedule(ctx, fleet.endpoints, out);
    benchmark::DoNotOptimize(r);
    benchmark::DoNotOptimize(out.best[0]);
  }
  state.SetLabel(std::to_string(state.range(0)) + " endpoints, " + std::to_string(state.range(1)) + " B prompt");
}
BENCHMARK(BM_Schedule)
    ->Args({10, 40})
    ->Args({100, 40})
    ->Args({1000, 40})
    ->Args({10, 220 * 1024})
    ->Args({100, 220 * 1024})
    ->Args({1000, 220 * 1024})
    ->Unit(benchmark::kMicrosecond);

// The body parse: model, stream and prompt read, the whole document validated.
void BM_ParseBody(benchmark::State& state) {
  std::string content = prompt_of_size(static_cast<size_t>(state.range(0)));
  std::string body =
      R"({"model":"m","messages":[{"role":"system","content":"You are helpful."},{"role":"user","content":")" +
      content + R"("}],"max_tokens":64,"stream":true,"temperature":0.7})";
  size_t size = body.size();
  body.resize(size + 64);
  RequestParser parser;
  std::string prompt;
  for (auto _ : state) {
    auto r = parser.parse(std::string_view(body.data(), size), body.size());
    build_prompt_string((*r)->prompt, prompt);
    benchmark::DoNotOptimize(estimate_tokens(prompt));
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * size));
}
BENCHMARK(BM_ParseBody)->Arg(40)->Arg(220 * 1024)->Unit(benchmark::kMicrosecond);

// Route matching with a header rule in front of the default rule.
void BM_RouteMatch(benchmark::State& state) {
  std::vector<std::shared_ptr<const api::ModelRoute>> routes;
  for (int i = 0; i < 100; ++i) {
    auto r = api::decode_model_route(Json::parse(
        R"({"metadata":{"name":"r)" + std::to_string(i) + R"("},"spec":{"modelName":"model-)" + std::to_string(i) +
        R"(","rules":[{"modelMatch":{"headers":{"user-type":{"exact":"premium"}}},"targetModels":[{"modelServerName":"big"}]},{"targetModels":[{"modelServerName":"a","weight":70},{"modelServerName":"b","weight":30}]}]}})"));
    routes.push_back(std::make_shared<const api::ModelRoute>(*r));
  }
  RouteTable table(routes);
  struct NoHeaders : HeaderSource {
    std::string_view get(std::string_view) const override { return {}; }
  } headers;
  Rng rng(3);
  for (auto _ : state) benchmark::DoNotOptimize(table.match("model-42", headers, "/v1/chat/completions", rng));
}
BENCHMARK(BM_RouteMatch);

}  // namespace
}  // namespace kthena::router

BENCHMARK_MAIN();
