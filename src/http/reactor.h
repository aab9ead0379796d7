// A reactor is one thread running one io_context. Everything a connection touches lives on its reactor, so the
// request path takes no locks. A ReactorPool owns the threads; servers and clients borrow its reactors.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <ctime>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/intrusive/list.hpp>

#include "common/coarse_clock.h"
#include "http/asio.h"

namespace kthena::http {

using Clock = std::chrono::steady_clock;

// Something with a deadline that its reactor enforces by sweeping, instead of arming a timer per request: setting a
// deadline is a store, and a connection costs nothing extra until it overruns. Reactor thread only.
class Deadline : public boost::intrusive::list_base_hook<boost::intrusive::link_mode<boost::intrusive::auto_unlink>> {
 public:
  virtual ~Deadline() = default;
  void set_deadline(CoarseClock::time_point at) { deadline_ = at; }
  void clear_deadline() { deadline_ = CoarseClock::time_point::max(); }
  CoarseClock::time_point deadline() const { return deadline_; }
  // Called on the reactor thread once the deadline has passed; the deadline is cleared first.
  virtual void on_deadline() = 0;

 private:
  CoarseClock::time_point deadline_ = CoarseClock::time_point::max();
};

struct DeferredTag;
using DeferredHook = boost::intrusive::list_base_hook<boost::intrusive::tag<DeferredTag>,
                                                      boost::intrusive::link_mode<boost::intrusive::auto_unlink>>;
// Something to start a little later unless it is withdrawn first: the reactor fires it one to two ticks
// (kDeferTick) after it was deferred. Work that ends sooner costs two list operations and no system call; the
// disconnect watch of a request is deferred this way, so a short request never pays for a read that can only fail
// with EAGAIN. Reactor thread only.
class Deferred : public DeferredHook {
 public:
  virtual ~Deferred() = default;
  bool deferred() const { return is_linked(); }
  void withdraw() { unlink(); }
  // Called on the reactor thread when the tick comes; the entry is withdrawn first.
  virtual void on_due() = 0;

 private:
  friend class Reactor;
  uint64_t due_tick_ = 0;
};

class Reactor {
 public:
  static constexpr std::chrono::milliseconds kDeferTick{10};

  Reactor();
  Reactor(const Reactor&) = delete;
  Reactor& operator=(const Reactor&) = delete;

  asio::io_context& context() { return context_; }
  asio::any_io_executor executor() { return context_.get_executor(); }

  // Reactor thread only. The IMF-fixdate of the current second, cached so responses do not format dates.
  std::string_view http_date();
  // Reactor thread only. Registers `d` for sweeping; it unregisters itself when destroyed.
  void watch(Deadline& d) { deadlines_.push_back(d); }

  // Reactor thread only. Fires `d` after one to two ticks unless it is withdrawn (or destroyed) before.
  void defer(Deferred& d);

  void start_sweeping(std::chrono::milliseconds interval);
  void stop_sweeping();

 private:
  using DeferredList = boost::intrusive::list<Deferred, boost::intrusive::base_hook<DeferredHook>,
                                              boost::intrusive::constant_time_size<false>>;
  void sweep();
  void arm_tick();
  void tick();

  // Every socket of a reactor is used on its thread only, so the per-socket locks of Asio's reactor are dropped;
  // the scheduler keeps its lock, since other threads post to it.
  asio::io_context context_{BOOST_ASIO_CONCURRENCY_HINT_UNSAFE_IO};
  asio::steady_timer sweep_timer_{context_};
  std::chrono::milliseconds sweep_interval_{200};
  bool sweeping_ = false;
  boost::intrusive::list<Deadline, boost::intrusive::constant_time_size<false>> deadlines_;
  asio::steady_timer tick_timer_{context_};
  bool ticking_ = false;
  uint64_t ticks_ = 0;
  DeferredList deferred_;
  std::time_t date_second_ = 0;
  std::string date_;
};

// Threads, each running one Reactor. Thread-safe: start/stop from one controlling thread; reactor() from any.
class ReactorPool {
 public:
  // threads == 0 means one per core. The sweep interval bounds how late a timeout fires.
  explicit ReactorPool(size_t threads = 0, std::chrono::milliseconds sweep_interval = std::chrono::milliseconds(200));
  ~ReactorPool();
  ReactorPool(const ReactorPool&) = delete;
  ReactorPool& operator=(const ReactorPool&) = delete;

  void start();
  // Lets every reactor finish the work it has (for up to `drain`), then stops it and joins the threads. Shut servers
  // down first: work still pending after `drain` is destroyed with the io_context, not run.
  void stop(std::chrono::milliseconds drain = std::chrono::milliseconds(2000));

  size_t size() const { return reactors_.size(); }
  Reactor& reactor(size_t i) { return *reactors_[i % reactors_.size()]; }
  // Round robin, for placing listeners and connections.
  Reactor& next() { return reactor(next_.fetch_add(1, std::memory_order_relaxed)); }

 private:
  using WorkGuard = asio::executor_work_guard<asio::io_context::executor_type>;
  std::vector<std::unique_ptr<Reactor>> reactors_;
  std::vector<std::optional<WorkGuard>> guards_;
  std::vector<std::thread> threads_;
  std::mutex mu_;
  std::condition_variable exited_;
  size_t running_ = 0;  // guarded by mu_
  std::chrono::milliseconds sweep_interval_;
  std::atomic<size_t> next_{0};
  bool started_ = false;
};

}  // namespace kthena::http
