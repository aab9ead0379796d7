// A kthena::http server that answers every request with the 58-byte JSON of the loopback baseline
// (shared spec toolchain.md §4), so that wrk can compare it with nginx on the same machine:
//   build-b/bin/http_server_bench --port 8091 --threads 1     then     wrk -t1 -c64 -d10s http://127.0.0.1:8091/
// bench/http_server_bench.sh runs both and prints requests per second.
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "http/server.h"

using namespace kthena::http;

int main(int argc, char** argv) {
  uint16_t port = 8091;
  size_t threads = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--port") == 0) port = static_cast<uint16_t>(std::atoi(argv[i + 1]));
    if (std::strcmp(argv[i], "--threads") == 0) threads = static_cast<size_t>(std::atoi(argv[i + 1]));
  }
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);  // reactor threads inherit the mask; main waits below

  ReactorPool pool(threads);
  pool.start();
  ServerOptions options;
  options.port = port;
  static constexpr std::string_view kBody = "{\"object\":\"list\",\"data\":[{\"id\":\"tiny\",\"object\":\"model\"}]}\n";
  auto server = Server::start(pool, options, [](Exchange& ex) -> asio::awaitable<void> {
    Header headers[] = {{"Content-Type", "application/json"}};
    co_await ex.respond(200, headers, kBody);
  });
  if (!server) {
    std::fprintf(stderr, "http_server_bench: %s\n", server.error().to_string().c_str());
    return 1;
  }
  std::printf("listening on 127.0.0.1:%u with %zu threads\n", (*server)->port(), threads);
  std::fflush(stdout);
  int sig = 0;
  sigwait(&signals, &sig);
  (*server)->shutdown(std::chrono::seconds(1));
  pool.stop();
  return 0;
}
