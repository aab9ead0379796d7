// `kthena apiserver --data-dir DIR`: the embedded Kubernetes API server of the single-machine mode
// (docs/apiserver.md). Prints the address and the kubeconfig path on stdout once it serves, so that a supervisor
// or a test can wait for that line.
#include <csignal>
#include <iostream>

#include <spdlog/spdlog.h>

#include "apiserver/api_model.h"
#include "apiserver/api_server.h"
#include "cli/command.h"

namespace kthena::cli {

void add_apiserver_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("apiserver", "Serve the Kubernetes API for the Kthena kinds, stored in SQLite");
  struct Flags {
    std::string data_dir;
    std::string listen = "127.0.0.1:6443";
    bool insecure_http = false;
    size_t max_request_bytes = 3 * 1024 * 1024;
    size_t max_requests_per_client = 64;
    size_t request_queue_length = 1024;
    double request_queue_wait_seconds = 15;
    size_t max_watches_per_client = 512;
    std::string request_log = "none";
    size_t event_history = 10000;
    size_t event_history_bytes = 256 * 1024 * 1024;
    size_t watcher_queue = 10000;
    size_t watcher_bytes = 8 * 1024 * 1024;
    size_t all_watchers_bytes = 256 * 1024 * 1024;
    size_t threads = 2;
    size_t blocking_threads = 4;
  };
  auto flags = std::make_shared<Flags>();
  cmd->add_option("--data-dir", flags->data_dir, "Directory of the database, certificates, token and kubeconfig")
      ->required();
  cmd->add_option("--listen", flags->listen, "host:port to serve on (port 0 picks one)")->capture_default_str();
  cmd->add_flag("--insecure-http", flags->insecure_http,
                "Serve plain HTTP without authentication (loopback addresses only; kubectl sends no token over http)");
  cmd->add_option("--max-request-bytes", flags->max_request_bytes, "Largest request body accepted")
      ->capture_default_str();
  cmd->add_option("--max-requests-per-client", flags->max_requests_per_client,
                  "Requests one identity (one address when anonymous) may have in flight, watches not counted; "
                  "the platform's components get twice it")
      ->capture_default_str();
  cmd->add_option("--request-queue-length", flags->request_queue_length,
                  "Requests of one identity that wait for a seat beyond those in flight; 429 beyond")
      ->capture_default_str();
  cmd->add_option("--request-queue-wait", flags->request_queue_wait_seconds,
                  "Seconds a request waits for a seat before 429")
      ->capture_default_str();
  cmd->add_option("--max-watches-per-client", flags->max_watches_per_client,
                  "Open watches per identity (per address when anonymous)")
      ->capture_default_str();
  cmd->add_option("--request-log", flags->request_log,
                  "Log a line per answered request (method, path, user, code, latency): none, errors (code >= 400) "
                  "or all")
      ->check(CLI::IsMember({"none", "errors", "all"}))
      ->capture_default_str();
  cmd->add_option("--event-history", flags->event_history,
                  "Changes kept for watches to resume from; older resourceVersions get 410 Gone")
      ->capture_default_str();
  cmd->add_option("--event-history-bytes", flags->event_history_bytes,
                  "Bytes of JSON the kept changes may take; the oldest go first (their resourceVersions get 410)")
      ->capture_default_str();
  cmd->add_option("--watcher-queue", flags->watcher_queue,
                  "Undelivered events a watch may hold before its stream is closed (the client then resumes)")
      ->capture_default_str();
  cmd->add_option("--watcher-bytes", flags->watcher_bytes,
                  "Undelivered bytes a watch may hold (one event always fits) before its stream is closed")
      ->capture_default_str();
  cmd->add_option("--all-watchers-bytes", flags->all_watchers_bytes,
                  "Undelivered bytes all watches together may hold; a watch that is behind is closed beyond")
      ->capture_default_str();
  cmd->add_option("--threads", flags->threads, "Network threads")->capture_default_str();
  cmd->add_option("--blocking-threads", flags->blocking_threads, "Threads for storage work")->capture_default_str();

  cmd->callback([flags, &exit_code] {
    apiserver::ApiServerOptions options;
    options.data_dir = flags->data_dir;
    options.listen = flags->listen;
    options.tls = !flags->insecure_http;
    options.max_body_bytes = flags->max_request_bytes;
    options.max_requests_per_client = flags->max_requests_per_client;
    options.request_queue_length = flags->request_queue_length;
    options.request_queue_wait =
        std::chrono::milliseconds(static_cast<int64_t>(std::max(0.0, flags->request_queue_wait_seconds) * 1000));
    options.max_watches_per_client = flags->max_watches_per_client;
    options.request_log = flags->request_log;
    options.store.event_history = flags->event_history;
    options.store.event_history_bytes = flags->event_history_bytes;
    options.store.watcher_queue = flags->watcher_queue;
    options.store.watcher_bytes = flags->watcher_bytes;
    options.store.all_watchers_bytes = flags->all_watchers_bytes;
    options.reactor_threads = flags->threads;
    options.blocking_threads = flags->blocking_threads;
    // Threads started below inherit this mask, so that only sigwait() sees the signals.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    auto server = apiserver::ApiServer::start(options, apiserver::builtin_api_model());
    if (!server) {
      std::cerr << "apiserver: " << server.error().to_string() << "\n";
      exit_code = 1;
      return;
    }
    std::cout << "serving " << (*server)->url() << " kubeconfig " << (*server)->kubeconfig_path().string() << std::endl;
    int sig = 0;
    sigwait(&signals, &sig);
    spdlog::info("apiserver: signal {}, shutting down", sig);
    (*server)->shutdown(std::chrono::seconds(5));
    exit_code = 0;
  });
}

}  // namespace kthena::cli
