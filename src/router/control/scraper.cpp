#include "router/control/scraper.h"

#include <fmt/format.h>
#include <simdjson.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "common/log.h"
#include "router/endpoints/passive_health.h"

namespace kthena::router {
namespace {

constexpr size_t kMaxConcurrent = 100;
constexpr std::chrono::seconds kTimeout{5};

}  // namespace

void Scraper::scrape_failed(const Endpoint& e, std::string_view why) {
  uint32_t before = e.stats->scrape_failures_in_a_row.load(std::memory_order_relaxed);
  if (before == 0) spdlog::warn("pod {}: metrics scrape failed: {}", e.key, why);
  if (router::scrape_failed(*e.stats)) {
    spdlog::warn("pod {}: {} metrics scrapes in a row failed; no requests go to it until one succeeds", e.key,
                 kScrapeFailuresToEject);
    if (metrics_ != nullptr)
      metrics_->add(Metric::kUpstreamEjections, {e.key, to_string(EjectionReason::kScrapeFailure)});
  }
}

void Scraper::scrape_succeeded(const Endpoint& e) {
  uint32_t failures = e.stats->scrape_failures_in_a_row.load(std::memory_order_relaxed);
  if (router::scrape_succeeded(*e.stats) || failures != 0) {
    spdlog::info("pod {}: metrics scrape succeeded again{}", e.key,
                 failures >= kScrapeFailuresToEject ? "; it gets requests again" : "");
  }
}

bool parse_model_ids(std::string_view body, std::vector<std::string>& ids) {
  ids.clear();
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(body.data(), body.size()).get(doc) != simdjson::SUCCESS) return false;
  simdjson::dom::array data;
  if (doc["data"].get_array().get(data) != simdjson::SUCCESS) return false;
  for (simdjson::dom::element m : data) {
    std::string_view id;
    if (m["id"].get_string().get(id) == simdjson::SUCCESS) ids.emplace_back(id);
  }
  return true;
}

http::asio::awaitable<void> Scraper::scrape_one(const Endpoint& e, PassResult& out) {
  using namespace boost::asio::experimental::awaitable_operators;
  int32_t port = e.metrics_port;
  if (port == 0) port = e.engine == api::InferenceEngine::kSglang ? 30000 : 8000;
  http::Endpoint target(e.ip, static_cast<uint16_t>(port));
  auto executor = co_await boost::asio::this_coro::executor;

  http::ClientRequest metrics_request{"GET", "/metrics", {}, {}};
  boost::asio::steady_timer timer(executor, kTimeout);
  auto metrics = co_await (client_.fetch(target, metrics_request, 16 * 1024 * 1024) ||
                           timer.async_wait(boost::asio::use_awaitable));
  // A failed scrape leaves the previous values in place, and is counted against the pod's health.
  if (metrics.index() != 0) {
    scrape_failed(e, fmt::format("no answer from {} within {} s", target.key(), kTimeout.count()));
  } else if (!std::get<0>(metrics)) {
    scrape_failed(e, std::get<0>(metrics).error().to_string());
  } else if (std::get<0>(metrics)->status != 200) {
    scrape_failed(e, fmt::format("{}/metrics answered {}", target.key(), std::get<0>(metrics)->status));
  } else {
    scrape_succeeded(e);
    EngineSample sample = parse_engine_metrics(e.engine, std::get<0>(metrics)->body);
    EndpointStats& s = *e.stats;
    s.gpu_cache_usage.store(sample.kv_cache_usage, std::memory_order_relaxed);
    s.waiting.store(sample.waiting, std::memory_order_relaxed);
    s.running.store(sample.running, std::memory_order_relaxed);
    History& h = history_[e.key];
    if (sample.ttft) {
      // A zero average (nothing new, or the first scrape) keeps the previous value.
      if (double v = period_average(h.ttft, *sample.ttft); v != 0) s.ttft.store(v, std::memory_order_relaxed);
      h.ttft = sample.ttft;
    }
    if (sample.tpot) {
      if (double v = period_average(h.tpot, *sample.tpot); v != 0) s.tpot.store(v, std::memory_order_relaxed);
      h.tpot = sample.tpot;
    }
    s.scraped.store(true, std::memory_order_release);
  }

  http::ClientRequest models_request{"GET", "/v1/models", {}, {}};
  timer.expires_after(kTimeout);
  auto models =
      co_await (client_.fetch(target, models_request, 4 * 1024 * 1024) || timer.async_wait(boost::asio::use_awaitable));
  if (models.index() == 0 && std::get<0>(models) && std::get<0>(models)->status == 200) {
    std::vector<std::string> ids;
    if (parse_model_ids(std::get<0>(models)->body, ids)) out.models.emplace_back(e.key, std::move(ids));
  }
}

http::asio::awaitable<Scraper::PassResult> Scraper::scrape(const RouterSnapshot& snapshot) {
  PassResult out;
  auto executor = co_await boost::asio::this_coro::executor;
  // Up to kMaxConcurrent scrapes at once; `wake` is cancelled by each one that finishes. Completions run only
  // while this coroutine waits on it (one thread), so no wake-up is lost.
  size_t running = 0;
  boost::asio::steady_timer wake(executor, std::chrono::steady_clock::time_point::max());
  for (const auto& e : snapshot.endpoints) {
    if (e->ip.empty()) continue;
    while (running >= kMaxConcurrent) {
      boost::system::error_code ec;
      co_await wake.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
    }
    ++running;
    boost::asio::co_spawn(executor, scrape_one(*e, out), [&](std::exception_ptr) {
      --running;
      wake.cancel();
    });
  }
  while (running > 0) {
    boost::system::error_code ec;
    co_await wake.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
  }
  co_return out;
}

void Scraper::retain(const RouterSnapshot& snapshot) {
  StringSet present;
  for (const auto& e : snapshot.endpoints) present.insert(e->key);
  for (auto it = history_.begin(); it != history_.end();) {
    it = present.count(it->first) != 0 ? std::next(it) : history_.erase(it);
  }
}

}  // namespace kthena::router
