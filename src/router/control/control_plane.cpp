#include "router/control/control_plane.h"

#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "common/log.h"
#include "router/control/supervised_loop.h"
#include "router/endpoints/passive_health.h"

namespace kthena::router {

struct LoopTimers {
  explicit LoopTimers(http::asio::io_context& context) : watch(context), scrape(context) {}
  boost::asio::steady_timer watch;
  boost::asio::steady_timer scrape;
};

namespace {

std::optional<std::filesystem::file_time_type> mtime(const std::string& path) {
  std::error_code ec;
  auto t = std::filesystem::last_write_time(path, ec);
  if (ec) return std::nullopt;
  return t;
}

// Whether `path` stays unchanged for a moment: a file being written (an editor's truncate-then-write, `cat > file`,
// a copy) is read once its writer is done rather than half-written.
http::asio::awaitable<bool> settled(const std::string& path) {
  auto size = [&] {
    std::error_code ec;
    auto n = std::filesystem::file_size(path, ec);
    return ec ? std::optional<uintmax_t>() : std::optional<uintmax_t>(n);
  };
  auto before = std::make_pair(mtime(path), size());
  boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor, std::chrono::milliseconds(100));
  boost::system::error_code ec;
  co_await timer.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
  co_return std::make_pair(mtime(path), size()) == before;
}

// Sleeps on `timer`; stop() cancels it.
http::asio::awaitable<void> pause(boost::asio::steady_timer& timer, std::chrono::nanoseconds d) {
  timer.expires_after(d);
  boost::system::error_code ec;
  co_await timer.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
}

}  // namespace

ControlPlane::ControlPlane(ControlOptions options, http::Reactor& reactor, MetricsRegistry& metrics)
    : options_(std::move(options)),
      reactor_(reactor),
      metrics_(metrics),
      cluster_(/*assume_running_when_absent=*/!options_.static_file.empty()),
      timers_(std::make_unique<LoopTimers>(reactor.context())) {
  env_.prefix_index = [this](size_t capacity) {
    if (prefix_index_ == nullptr || prefix_index_->capacity_per_pod() != capacity) {
      // Each index has its own writer thread, hence its own metric shard.
      MetricShard& shard = metrics_.new_shard();
      prefix_index_ = std::make_shared<PrefixIndex>(
          capacity, [&shard](const std::string& model) { shard.add(Metric::kPrefixEvictions, {model}); });
      prefix_index_for_metrics_.store(prefix_index_);
    }
    return prefix_index_;
  };
  if (auto redis = RedisSettings::from_environment()) {
    kv_index_ = std::make_shared<KvBlockIndex>();
    kv_sync_ = std::make_unique<KvBlockSync>(*redis, kv_index_);
  }
  env_.kv_block_index = [this] { return kv_index_; };
  metrics_.add_callback_counter("kthena_router_control_loop_restarts_total",
                                "Times a control loop (file watch, scrape) failed with an exception and was restarted.",
                                [this] { return static_cast<double>(loop_restarts()); });
  metrics_.add_callback_gauge("kthena_router_ejected_pods",
                              "Pods that passive health checks keep out of scheduling now.", [this] {
                                std::shared_ptr<const RouterSnapshot> snap = current();
                                CoarseClock::time_point now = CoarseClock::now();
                                double n = 0;
                                for (const auto& e : snap->endpoints) n += is_ejected(*e->stats, now);
                                return n;
                              });
  metrics_.add_callback_gauge("kthena_router_prefix_cache_entries", "Blocks held in the prefix cache (all pods).",
                              [this] {
                                auto index = prefix_index_for_metrics_.load();
                                return index ? static_cast<double>(index->entries()) : 0.0;
                              });
}

ControlPlane::~ControlPlane() {
  stop();
}

Result<std::unique_ptr<ControlPlane>> ControlPlane::create(ControlOptions options, http::Reactor& reactor,
                                                           MetricsRegistry& metrics) {
  auto plane = std::make_unique<ControlPlane>(std::move(options), reactor, metrics);
  auto client = http::Client::create(reactor.executor());
  if (!client) return fail(client.error());
  plane->client_ = std::move(*client);
  plane->scraper_ = std::make_unique<Scraper>(*plane->client_, &metrics.new_shard());
  if (auto ok = plane->load_config(); !ok) return fail(ok.error());
  if (auto ok = plane->load_static(); !ok) return fail(ok.error());
  plane->publish();
  return plane;
}

Result<void> ControlPlane::load_config() {
  RouterConfig config;
  if (options_.config_file.empty()) {
    config = default_router_config();
  } else {
    config_mtime_ = mtime(options_.config_file);
    auto loaded = load_router_config(options_.config_file);
    if (!loaded) return fail(loaded.error());
    config = std::move(*loaded);
  }
  for (const std::string& w : config.warnings) spdlog::warn("router configuration: {}", w);
  auto scheduler = Scheduler::create(config.scheduler, env_);
  if (!scheduler) {
    Error e = scheduler.error();
    if (!options_.config_file.empty()) e.message = options_.config_file + ": " + e.message;
    return fail(std::move(e));
  }
  scheduler_ = std::move(*scheduler);
  config_ = std::make_shared<const RouterConfig>(std::move(config));
  return {};
}

Result<void> ControlPlane::load_static() {
  if (options_.static_file.empty()) return {};
  static_mtime_ = mtime(options_.static_file);
  auto objects = load_static_file(options_.static_file);
  if (!objects) return fail(objects.error());
  // An empty file (no document at all) is far more often a file caught between an editor's truncation and its write,
  // or a `cat > file` under way, than a wish to stop serving: replacing every object with nothing would be an outage
  // while /readyz stays ready. At start there is nothing to keep; to remove every object later, write an empty List.
  if (objects->documents == 0 && generation_ > 0) {
    return fail(ErrorCode::kInvalid,
                "the file holds no objects (to remove every object, write `{apiVersion: v1, kind: List, items: []}`)",
                options_.static_file);
  }
  spdlog::info("static file {}: {} ModelRoutes, {} ModelServers, {} Pods", options_.static_file, objects->routes.size(),
               objects->servers.size(), objects->pods.size());
  cluster_.replace(std::move(objects->routes), std::move(objects->servers), std::move(objects->pods));
  return {};
}

void ControlPlane::post(std::function<void()> change) {
  boost::asio::post(reactor_.executor(), [this, change = std::move(change)] {
    change();
    if (publish_pending_) return;
    publish_pending_ = true;
    // Coalesce: everything posted within the next few milliseconds goes into the same snapshot.
    auto timer = std::make_shared<boost::asio::steady_timer>(reactor_.context(), std::chrono::milliseconds(5));
    timer->async_wait([this, timer](const boost::system::error_code&) {
      publish_pending_ = false;
      publish();
    });
  });
}

void ControlPlane::publish() {
  std::shared_ptr<RouterSnapshot> snap = cluster_.build();
  snap->scheduler = scheduler_;
  snap->config = config_;
  ready_ = scraped_ && (!sources_synced_ || sources_synced_());
  snap->ready = ready_;
  snap->generation = ++generation_;
  for (uint32_t id : cluster_.take_removed_pods()) {
    if (prefix_index_ != nullptr) prefix_index_->remove_pod(id);
  }
  slot_.publish(std::move(snap));
}

void ControlPlane::start() {
  // Each loop runs under supervise(): an exception restarts it after a back-off instead of ending it for good.
  auto run = [this](std::string name, boost::asio::steady_timer& timer,
                    http::asio::awaitable<void> (ControlPlane::*loop)()) {
    loops_running_.fetch_add(1);
    boost::asio::co_spawn(
        reactor_.executor(),
        supervise(
            std::move(name), [this, loop] { return (this->*loop)(); }, timer, stopping_, loop_restarts_),
        [this](std::exception_ptr e) {
          if (e) spdlog::error("router control loop supervisor ended with an exception");
          loops_running_.fetch_sub(1);
        });
  };
  run("file watch", timers_->watch, &ControlPlane::watch_loop);
  run("scrape", timers_->scrape, &ControlPlane::scrape_loop);
}

void ControlPlane::stop() {
  if (loops_running_.load() == 0) return;
  // A scrape pass in progress finishes (each request is bounded by 5 s); the pauses end at once.
  boost::asio::post(reactor_.executor(), [this] {
    stopping_ = true;
    timers_->watch.cancel();
    timers_->scrape.cancel();
  });
  while (loops_running_.load() != 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
}

http::asio::awaitable<void> ControlPlane::watch_loop() {
  for (;;) {
    co_await pause(timers_->watch, options_.watch_interval);
    if (stopping_) co_return;
    bool changed = false;
    if (!options_.config_file.empty() && mtime(options_.config_file) != config_mtime_) {
      if (auto ok = load_config(); ok) {
        spdlog::info("router configuration {} reloaded", options_.config_file);
        changed = true;
      } else {
        reload_failures_.fetch_add(1, std::memory_order_relaxed);
        spdlog::error("router configuration not reloaded, keeping the previous one: {}", ok.error().to_string());
      }
    }
    if (!options_.static_file.empty() && mtime(options_.static_file) != static_mtime_ &&
        co_await settled(options_.static_file)) {
      if (auto ok = load_static(); ok) {
        changed = true;
      } else {
        reload_failures_.fetch_add(1, std::memory_order_relaxed);
        spdlog::error("static file not reloaded, keeping the previous objects: {}", ok.error().to_string());
      }
    }
    if (changed) publish();
  }
}

http::asio::awaitable<void> ControlPlane::scrape_loop() {
  for (;;) {
    std::shared_ptr<const RouterSnapshot> snap = current();
    // Readiness needs a pass over the pods the sources had listed, as upstream scrapes only after its informers synced.
    bool sources_ready = !sources_synced_ || sources_synced_();
    Scraper::PassResult result = co_await scraper_->scrape(*snap);
    bool changed = false;
    for (auto& [key, models] : result.models) changed |= cluster_.set_models(key, std::move(models));
    if (!scraped_ && sources_ready) {
      scraped_ = true;  // the first full pass is done
      changed = true;
    }
    scraper_->retain(*snap);
    if (changed) publish();
    scrape_passes_.fetch_add(1, std::memory_order_relaxed);
    if (stopping_) co_return;
    co_await pause(timers_->scrape, options_.scrape_interval);
    if (stopping_) co_return;
  }
}

}  // namespace kthena::router
