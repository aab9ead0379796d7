// A property of the router's request path: however a request is cut into pieces on the wire — where, how many, how
// far apart — the answer and the access-log entry are those of the request sent whole. Checked with rapidcheck over
// bodies of every size up to a few buffer lengths, against one router and one engine.
#include <rapidcheck.h>

#include <gtest/gtest.h>

#include "e2e/router_support.h"

namespace kthena::testing {
namespace {

// One request on its own connection, sent in the pieces that `cuts` (offsets into it, ascending) make, with `gap`
// between them; returns the whole response.
std::string send_in_pieces(uint16_t port, const std::string& wire, const std::vector<size_t>& cuts,
                           std::chrono::milliseconds gap) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  timeval tv{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return {};
  }
  size_t from = 0;
  std::vector<size_t> ends = cuts;
  ends.push_back(wire.size());
  for (size_t end : ends) {
    if (end <= from) continue;
    send(fd, wire.data() + from, end - from, MSG_NOSIGNAL);
    from = end;
    if (from < wire.size() && gap.count() > 0) std::this_thread::sleep_for(gap);
  }
  std::string out;
  char buf[65536];
  for (;;) {
    ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return out;
}

// The parts of an answer that do not change between two runs of the same request: the status line and the message
// the engine generated (a seeded generation), without ids and timestamps.
std::string stable_answer(const std::string& response) {
  std::string status = response.substr(0, response.find("\r\n"));
  std::smatch m;
  std::string content = std::regex_search(response, m, std::regex("\"content\":\"((?:[^\"\\\\]|\\\\.)*)\""))
                            ? std::string(m[1])
                            : "(no content)";
  return status + " | " + content;
}

// The access-log line of `request_id`, without its timestamp, timings and request id.
std::string stable_log_line(const std::string& log, const std::string& request_id) {
  size_t at = log.find("request_id=" + request_id + " ");
  if (at == std::string::npos) return "(no line)";
  size_t begin = log.rfind('\n', at);
  begin = begin == std::string::npos ? 0 : begin + 1;
  std::string line = log.substr(begin, log.find('\n', at) - begin);
  line = line.substr(line.find(']') + 1);
  line = std::regex_replace(line, std::regex(" request_id=\\S+"), "");
  line = std::regex_replace(line, std::regex(" timings=\\S+"), "");
  return line;
}

TEST(RouterSplit, AnySplitOfARequestGivesTheSameAnswerAndLogEntry) {
  TempDir dir;
  Fleet fleet;
  ASSERT_TRUE(fleet.start(
      dir.path(), "fleet", 1,
      {"--model", "/models/m", "--served-model-name", "m", "--profile", "qwen2.5-7b-a100", "--time-scale", "0.001"}));
  write_text(dir.path() / "static.yaml",
             "apiVersion: networking.serving.volcano.sh/v1alpha1\nkind: ModelRoute\nmetadata: {name: m}\nspec:\n"
             "  modelName: m\n  rules: [{targetModels: [{modelServerName: p}]}]\n" +
                 model_server_yaml("p", fleet, "m") + pods_yaml("p", fleet));
  Router router;
  ASSERT_TRUE(router.start(dir.path(), dir.path() / "static.yaml")) << router.process->errors();

  int n = 0;
  bool ok = rc::check("a request cut anywhere is the request sent whole", [&] {
    size_t words = *rc::gen::inRange<size_t>(0, 6000);  // bodies up to ~36 KB: across the 4 and 16 KiB buffers
    bool chunked = *rc::gen::arbitrary<bool>();
    std::string content;
    for (size_t i = 0; i < words; ++i) content += "w" + std::to_string(i % 97) + " ";
    std::string body =
        R"({"model":"m","max_tokens":3,"seed":7,"messages":[{"role":"user","content":")" + content + R"("}]})";
    auto wire = [&](const std::string& id) {
      std::string head =
          "POST /v1/chat/completions HTTP/1.1\r\nHost: r\r\nContent-Type: application/json\r\n"
          "X-Request-Id: " +
          id + "\r\nConnection: close\r\n";
      if (!chunked) return head + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
      char size[32];
      std::snprintf(size, sizeof(size), "%zx\r\n", body.size());
      return head + "Transfer-Encoding: chunked\r\n\r\n" + size + body + "\r\n0\r\n\r\n";
    };
    std::string whole_id = "whole-" + std::to_string(n);
    std::string split_id = "split-" + std::to_string(n);
    ++n;
    std::string whole_wire = wire(whole_id);
    std::string split_wire = wire(split_id);
    auto cuts = *rc::gen::container<std::vector<size_t>>(
        *rc::gen::inRange<size_t>(0, 6), rc::gen::inRange<size_t>(1, std::max<size_t>(2, split_wire.size())));
    std::sort(cuts.begin(), cuts.end());
    auto gap = std::chrono::milliseconds(*rc::gen::inRange(0, 4));

    std::string a = send_in_pieces(router.port, whole_wire, {}, {});
    std::string b = send_in_pieces(router.port, split_wire, cuts, gap);
    RC_ASSERT(stable_answer(b) == stable_answer(a));
    RC_ASSERT(a.substr(0, 15) == "HTTP/1.1 200 OK");
    // Each router thread writes its own batches of access-log lines: the whole request's line may come later.
    RC_ASSERT(router.process->wait_for("request_id=" + whole_id + " ", 1, std::chrono::seconds(10)));
    RC_ASSERT(router.process->wait_for("request_id=" + split_id + " ", 1, std::chrono::seconds(10)));
    std::string log = router.process->output();
    RC_ASSERT(stable_log_line(log, split_id) == stable_log_line(log, whole_id));
  });
  EXPECT_TRUE(ok);
}

}  // namespace
}  // namespace kthena::testing
