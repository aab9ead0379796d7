// Closed-loop load on a fleet of engine simulators: `concurrency` clients, each streaming chat completions to
// engine (i % instances) back to back, for `seconds`. Prints requests, generated tokens (from each stream's usage
// chunk) and throughput. bench/sim_fleet_bench.sh pairs it with the simulator's CPU time.
//   sim_load --base-port 31000 --instances 200 --concurrency 200 --seconds 20 --max-tokens 128
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_future.hpp>
#include <thread>

#include "http/client.h"
#include "http/reactor.h"

using namespace kthena::http;
using Clock = std::chrono::steady_clock;

namespace {

struct Totals {
  std::atomic<uint64_t> requests{0};
  std::atomic<uint64_t> tokens{0};
  std::atomic<uint64_t> errors{0};
  std::atomic<int> running{0};
};

asio::awaitable<void> worker(Client& client, Endpoint endpoint, int max_tokens, Clock::time_point until,
                             Totals& totals) {
  std::string body =
      "{\"model\":\"sim\",\"messages\":[{\"role\":\"user\",\"content\":\"Tell me about routing "
      "requests to language models\"}],\"stream\":true,\"stream_options\":{\"include_usage\":true},"
      "\"ignore_eos\":true,\"max_tokens\":" +
      std::to_string(max_tokens) + "}";
  Header headers[] = {{"Content-Type", "application/json"}};
  while (Clock::now() < until) {
    auto r = co_await client.send(
        endpoint, {.method = "POST", .target = "/v1/chat/completions", .headers = headers, .body = body});
    if (!r || r->status() != 200) {
      ++totals.errors;
      continue;
    }
    uint64_t tokens = 0;
    for (;;) {
      auto line = co_await r->read_line();
      if (!line || !*line) break;
      std::string_view l = **line;
      size_t at = l.find("\"completion_tokens\":");
      if (at != std::string_view::npos && l.find("\"choices\":[]") != std::string_view::npos) {
        tokens = std::strtoull(l.data() + at + 20, nullptr, 10);
      }
    }
    ++totals.requests;
    totals.tokens += tokens;
  }
  --totals.running;
}

}  // namespace

int main(int argc, char** argv) {
  int base_port = 31000, instances = 200, concurrency = 200, seconds = 20, max_tokens = 128;
  std::string host = "127.0.0.1";
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    int v = std::atoi(argv[i + 1]);
    if (a == "--base-port") base_port = v;
    if (a == "--instances") instances = v;
    if (a == "--concurrency") concurrency = v;
    if (a == "--seconds") seconds = v;
    if (a == "--max-tokens") max_tokens = v;
    if (a == "--host") host = argv[i + 1];
  }
  ReactorPool pool(1);
  pool.start();
  Totals totals;
  auto client = Client::create(pool.reactor(0).executor(), ClientOptions{.max_idle_per_endpoint = 1024});
  if (!client) {
    std::fprintf(stderr, "sim_load: %s\n", client.error().to_string().c_str());
    return 1;
  }
  auto start = Clock::now();
  auto until = start + std::chrono::seconds(seconds);
  totals.running = concurrency;
  for (int i = 0; i < concurrency; ++i) {
    Endpoint e(host, static_cast<uint16_t>(base_port + i % instances));
    asio::co_spawn(pool.reactor(0).context(), worker(**client, e, max_tokens, until, totals), asio::detached);
  }
  while (totals.running > 0) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  std::printf("requests %llu tokens %llu errors %llu seconds %.2f tokens_per_s %.0f\n",
              (unsigned long long)totals.requests.load(), (unsigned long long)totals.tokens.load(),
              (unsigned long long)totals.errors.load(), elapsed, double(totals.tokens.load()) / elapsed);
  asio::co_spawn(
      pool.reactor(0).context(),
      [&]() -> asio::awaitable<void> {
        client->reset();
        co_return;
      }(),
      asio::use_future)
      .get();
  pool.stop();
  return 0;
}
