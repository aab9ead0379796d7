#include "http/reactor.h"

#include <spdlog/spdlog.h>
#include <boost/asio/post.hpp>

namespace kthena::http {

Reactor::Reactor() = default;

std::string_view Reactor::http_date() {
  std::time_t now = std::time(nullptr);
  if (now != date_second_) {
    date_second_ = now;
    std::tm tm{};
    gmtime_r(&now, &tm);
    char buf[64];
    size_t n = std::strftime(buf, sizeof(buf), "%a, %d %b %Y %H:%M:%S GMT", &tm);
    date_.assign(buf, n);
  }
  return date_;
}

void Reactor::defer(Deferred& d) {
  d.withdraw();
  // A full tick at least: the list stays ordered by due tick, since ticks_ only grows.
  d.due_tick_ = ticks_ + 2;
  deferred_.push_back(d);
  arm_tick();
}

// The tick timer runs only while something waits, so an idle reactor does not wake up for it.
void Reactor::arm_tick() {
  if (ticking_ || !sweeping_ || deferred_.empty()) return;
  ticking_ = true;
  tick_timer_.expires_after(kDeferTick);
  tick_timer_.async_wait([this](boost::system::error_code ec) {
    ticking_ = false;
    if (!ec) tick();
  });
}

void Reactor::tick() {
  ++ticks_;
  // on_due() may defer again or destroy other entries: fire from a detached batch, which unlinks what dies.
  DeferredList due;
  auto end = deferred_.begin();
  while (end != deferred_.end() && end->due_tick_ <= ticks_) ++end;
  due.splice(due.end(), deferred_, deferred_.begin(), end);
  while (!due.empty()) {
    Deferred& d = due.front();
    due.pop_front();
    d.on_due();
  }
  arm_tick();
}

void Reactor::start_sweeping(std::chrono::milliseconds interval) {
  sweep_interval_ = interval;
  sweeping_ = true;
  sweep();
  arm_tick();
}

void Reactor::stop_sweeping() {
  sweeping_ = false;
  sweep_timer_.cancel();
  tick_timer_.cancel();
}

void Reactor::sweep() {
  if (!sweeping_) return;
  CoarseClock::time_point now = CoarseClock::now();
  // on_deadline() may destroy other entries (closing a socket resumes nothing synchronously, but be safe): collect
  // first, then fire.
  std::vector<Deadline*> due;
  for (Deadline& d : deadlines_) {
    if (d.deadline() <= now) due.push_back(&d);
  }
  for (Deadline* d : due) {
    d->clear_deadline();
    d->on_deadline();
  }
  sweep_timer_.expires_after(sweep_interval_);
  sweep_timer_.async_wait([this](boost::system::error_code ec) {
    if (!ec) sweep();
  });
}

ReactorPool::ReactorPool(size_t threads, std::chrono::milliseconds sweep_interval) : sweep_interval_(sweep_interval) {
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  for (size_t i = 0; i < threads; ++i) reactors_.push_back(std::make_unique<Reactor>());
}

ReactorPool::~ReactorPool() {
  stop();
}

void ReactorPool::start() {
  if (started_) return;
  started_ = true;
  for (auto& r : reactors_) {
    guards_.emplace_back(asio::make_work_guard(r->context()));
    Reactor* reactor = r.get();
    asio::post(reactor->context(), [reactor, interval = sweep_interval_] { reactor->start_sweeping(interval); });
  }
  running_ = reactors_.size();
  for (auto& r : reactors_) {
    Reactor* reactor = r.get();
    threads_.emplace_back([this, reactor] {
      // The thread's root: a handler that throws must not take the process down silently.
      for (;;) {
        try {
          reactor->context().run();
          break;
        } catch (const std::exception& e) {
          spdlog::error("reactor: unhandled exception: {}", e.what());
        }
      }
      std::lock_guard lock(mu_);
      --running_;
      exited_.notify_all();
    });
  }
}

void ReactorPool::stop(std::chrono::milliseconds drain) {
  if (!started_) return;
  started_ = false;
  for (auto& r : reactors_) {
    Reactor* reactor = r.get();
    asio::post(reactor->context(), [reactor] { reactor->stop_sweeping(); });
  }
  for (auto& g : guards_) g.reset();
  guards_.clear();
  {
    std::unique_lock lock(mu_);
    exited_.wait_for(lock, drain, [this] { return running_ == 0; });
  }
  for (auto& r : reactors_) r->context().stop();
  for (auto& t : threads_) t.join();
  threads_.clear();
  for (auto& r : reactors_) r->context().restart();
}

}  // namespace kthena::http
