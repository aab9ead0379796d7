// Throughput of the embedded API server with 10,000 objects, over HTTPS through the kube client (its real clients'
// path): creates from concurrent writers, full and paged lists (JSON and Table), and watch fan-out of updates.
// The baseline, run in the same process on the same disk, is SQLite itself: one durable (WAL, synchronous=FULL)
// INSERT transaction per object, the floor under any store that acknowledges each write only once it is on disk.
//
//   apiserver_bench [objects] [writers] [watchers]
#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "apiserver/api_model.h"
#include "apiserver/api_server.h"
#include "common/log.h"
#include "kube/client.h"
#include "kube/kubeconfig.h"
#include "kube/watch_stream.h"

namespace {

using Clock = std::chrono::steady_clock;
using kthena::Json;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

double percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  return values[std::min(values.size() - 1, static_cast<size_t>(p * static_cast<double>(values.size())))];
}

Json configmap(const std::string& name, int i) {
  return Json{{"apiVersion", "v1"},
              {"kind", "ConfigMap"},
              {"metadata", {{"name", name}, {"labels", {{"app", "bench"}, {"shard", std::to_string(i % 10)}}}}},
              {"data", {{"model", "Qwen/Qwen2.5-0.5B-Instruct"}, {"index", std::to_string(i)}}}};
}

// SQLite alone: one durable transaction per row, as many as the server will create.
double sqlite_baseline(const std::filesystem::path& dir, int objects) {
  sqlite3* db = nullptr;
  sqlite3_open((dir / "baseline.db").c_str(), &db);
  // The store's own settings (storage/store.cpp).
  sqlite3_exec(db,
               "PRAGMA locking_mode=EXCLUSIVE; PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
               "CREATE TABLE t(k TEXT PRIMARY KEY, v TEXT)",
               nullptr, nullptr, nullptr);
  sqlite3_stmt* insert = nullptr;
  sqlite3_prepare_v2(db, "INSERT INTO t VALUES(?, ?)", -1, &insert, nullptr);
  auto start = Clock::now();
  for (int i = 0; i < objects; ++i) {
    std::string key = "cm-" + std::to_string(i);
    std::string value = configmap(key, i).dump();
    sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr);
    sqlite3_bind_text(insert, 1, key.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(insert, 2, value.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_step(insert);
    sqlite3_reset(insert);
    sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
  }
  double elapsed = seconds_since(start);
  sqlite3_finalize(insert);
  sqlite3_close(db);
  return objects / elapsed;
}

}  // namespace

// Peak resident set of this process in MiB (/proc/self/status VmHWM): the server and its clients' watch queues
// together, since both run here.
double peak_rss_mib() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
  }
  return 0;
}

int main(int argc, char** argv) {
  int objects = argc > 1 ? std::atoi(argv[1]) : 10000;
  int writers = argc > 2 ? std::atoi(argv[2]) : 16;
  int watchers = argc > 3 ? std::atoi(argv[3]) : 8;
  kthena::setup_logging("warn");
  std::random_device rd;
  auto dir = std::filesystem::temp_directory_path() / fmt::format("kthena-apiserver-bench-{}", rd());
  std::filesystem::create_directories(dir);

  double baseline = sqlite_baseline(dir, objects);

  kthena::apiserver::ApiServerOptions options;
  options.data_dir = dir / "data";
  options.listen = "127.0.0.1:0";
  options.max_requests_per_client = static_cast<size_t>(writers) * 2;
  auto server = kthena::apiserver::ApiServer::start(options, kthena::apiserver::builtin_api_model());
  if (!server) {
    std::fprintf(stderr, "apiserver: %s\n", server.error().to_string().c_str());
    return 1;
  }
  auto config = kthena::kube::load_kubeconfig_file((*server)->kubeconfig_path());
  auto cms = kthena::kube::resources::config_maps();
  std::vector<std::shared_ptr<kthena::kube::KubeClient>> clients;
  for (int w = 0; w < writers; ++w) clients.push_back(*kthena::kube::KubeClient::create(*config));

  // Watchers of the whole namespace, counting what they receive.
  std::atomic<long> delivered{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> watch_threads;
  std::vector<std::unique_ptr<kthena::kube::WatchStream>> streams;
  auto watch_client = *kthena::kube::KubeClient::create(*config);
  for (int i = 0; i < watchers; ++i) {
    auto stream = watch_client->watch(cms, "default", {.resource_version = "", .bookmarks = false});
    if (!stream) return 1;
    streams.push_back(std::move(*stream));
  }
  for (auto& stream : streams) {
    watch_threads.emplace_back([&, s = stream.get()] {
      while (!stop.load()) {
        if (s->next(std::chrono::milliseconds(100)))
          ++delivered;
        else if (s->ended())
          return;
      }
    });
  }

  // Creates.
  std::vector<std::vector<double>> latencies(writers);
  std::atomic<int> next{0};
  std::atomic<int> failures{0};
  auto start = Clock::now();
  std::vector<std::thread> threads;
  for (int w = 0; w < writers; ++w) {
    threads.emplace_back([&, w] {
      for (int i = next++; i < objects; i = next++) {
        auto t0 = Clock::now();
        auto r = clients[w]->create(cms, "default", configmap(fmt::format("cm-{}", i), i));
        latencies[w].push_back(seconds_since(t0) * 1000);
        if (!r) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  double create_s = seconds_since(start);
  std::vector<double> all;
  for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());

  // Every watcher sees every create.
  auto fanout_deadline = Clock::now() + std::chrono::seconds(60);
  while (delivered.load() < static_cast<long>(objects) * watchers && Clock::now() < fanout_deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  double fanout_s = seconds_since(start);
  long delivered_creates = delivered.load();

  // Lists.
  auto list_client = clients[0];
  start = Clock::now();
  const int kLists = 5;
  size_t items = 0;
  for (int i = 0; i < kLists; ++i) {
    auto list = list_client->list(cms, "default", {.limit = 100000});
    items = list ? (*list)["items"].size() : 0;
  }
  double full_list_ms = seconds_since(start) * 1000 / kLists;
  start = Clock::now();
  for (int i = 0; i < kLists; ++i) (void)list_client->list(cms, "default", {.limit = 500});
  double paged_list_ms = seconds_since(start) * 1000 / kLists;
  start = Clock::now();
  for (int i = 0; i < kLists; ++i)
    (void)list_client->list(cms, "default", {.label_selector = "shard=3", .limit = 100000});
  double selector_list_ms = seconds_since(start) * 1000 / kLists;

  // Updates fanned out to the watchers.
  delivered = 0;
  failures = 0;
  next = 0;
  start = Clock::now();
  threads.clear();
  for (int w = 0; w < writers; ++w) {
    threads.emplace_back([&, w] {
      for (int i = next++; i < objects; i = next++) {
        auto r = clients[w]->patch(cms, "default", fmt::format("cm-{}", i), kthena::kube::PatchType::kMerge,
                                   Json{{"data", {{"index", "updated-" + std::to_string(i)}}}});
        if (!r) {
          ++failures;
          std::fprintf(stderr, "patch cm-%d: %s\n", i, r.error().to_string().c_str());
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  double update_s = seconds_since(start);
  fanout_deadline = Clock::now() + std::chrono::seconds(60);
  while (delivered.load() < static_cast<long>(objects) * watchers && Clock::now() < fanout_deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  double update_fanout_s = seconds_since(start);
  long delivered_updates = delivered.load();

  stop = true;
  for (auto& s : streams) s->stop();
  for (auto& t : watch_threads) t.join();
  streams.clear();
  (*server)->shutdown();
  std::filesystem::remove_all(dir);

  std::printf("objects %d, writers %d, watchers %d\n", objects, writers, watchers);
  std::printf("sqlite baseline (1 durable txn per row): %.0f rows/s\n", baseline);
  std::printf("create: %.0f objects/s (p50 %.1f ms, p99 %.1f ms), %d failed\n", objects / create_s,
              percentile(all, 0.5), percentile(all, 0.99), failures.load());
  std::printf("watch fan-out of creates: %ld of %ld events in %.2f s = %.0f events/s\n", delivered_creates,
              static_cast<long>(objects) * watchers, fanout_s, delivered_creates / fanout_s);
  std::printf("list %zu objects: %.1f ms full, %.1f ms in pages of 500, %.1f ms with a label selector (1/10)\n", items,
              full_list_ms, paged_list_ms, selector_list_ms);
  std::printf("update (merge patch): %.0f objects/s, %d failed; fan-out %ld of %ld events in %.2f s = %.0f events/s\n",
              objects / update_s, failures.load(), delivered_updates, static_cast<long>(objects) * watchers,
              update_fanout_s, delivered_updates / update_fanout_s);
  std::printf("peak RSS (server and clients, one process): %.0f MiB\n", peak_rss_mib());
  return 0;
}
