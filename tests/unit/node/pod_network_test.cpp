// The pod network against the real kernel: namespaces, veth pairs and a bridge made and removed for each test, with
// names and a subnet derived from the process id and the test's name so that parallel runs never meet. Tests that
// need the privilege skip, saying why, where it is missing.
#include "node/network/pod_network.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <optional>
#include <stop_token>
#include <string>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "node/network/bridge_pod_network.h"
#include "node/network/ipv4_subnet.h"
#include "node/network/named_netns.h"
#include "node/network/netlink.h"
#include "node/unique_fd.h"

namespace kthena::node {
namespace {

namespace fs = std::filesystem;

uint32_t fnv1a(std::string_view s) {
  uint32_t h = 2166136261u;
  for (unsigned char c : s) h = (h ^ c) * 16777619u;
  return h;
}

std::string test_name() {
  return ::testing::UnitTest::GetInstance()->current_test_info()->name();
}

// A socket in the pod's namespace (or the host's, for ""), whichever thread then uses it.
UniqueFd make_socket(const std::string& netns, int type) {
  if (netns.empty()) return UniqueFd(::socket(AF_INET, type | SOCK_CLOEXEC, 0));
  auto fd = socket_in_netns(netns, AF_INET, type, 0);
  return fd ? std::move(*fd) : UniqueFd();
}

sockaddr_in address_of(const std::string& ip, uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  ::inet_pton(AF_INET, ip.c_str(), &a.sin_addr);
  return a;
}

// What a pod's engine does: listen on ip:port (0.0.0.0:8000 by default) and answer each connection with its name.
class NameServer {
 public:
  NameServer(const std::string& netns, std::string name, const std::string& ip = "0.0.0.0", uint16_t port = 8000)
      : name_(std::move(name)), listener_(make_socket(netns, SOCK_STREAM)) {
    const int one = 1;
    ::setsockopt(listener_.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a = address_of(ip, port);
    if (::bind(listener_.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(listener_.get(), 8) != 0) {
      error_ = std::strerror(errno);
      return;
    }
    socklen_t len = sizeof a;
    ::getsockname(listener_.get(), reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::jthread([this](std::stop_token stop) { serve(stop); });
  }
  const std::string& error() const { return error_; }  // "" when listening
  uint16_t port() const { return port_; }

 private:
  void serve(std::stop_token stop) {
    while (!stop.stop_requested()) {
      pollfd p{listener_.get(), POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      UniqueFd client(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
      if (client) (void)!::write(client.get(), name_.data(), name_.size());
    }
  }
  std::string name_;
  UniqueFd listener_;
  std::string error_;
  uint16_t port_ = 0;
  std::jthread thread_;  // last: stopped and joined before the socket closes
};

struct Fetched {
  std::string body;
  std::string local_ip;  // the address the connection left from
  std::string error;
};

// Connects from `netns` ("" : the host) to ip:port and reads until the server closes.
Fetched fetch(const std::string& netns, const std::string& ip, uint16_t port = 8000,
              std::chrono::milliseconds timeout = std::chrono::seconds(3)) {
  Fetched out;
  UniqueFd fd = make_socket(netns, SOCK_STREAM);
  if (!fd) return {"", "", "no socket"};
  // SO_SNDTIMEO bounds connect() too.
  const timeval tv{timeout.count() / 1000, (timeout.count() % 1000) * 1000};
  ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in a = address_of(ip, port);
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    out.error = fmt::format("connect {}:{}: {}", ip, port, std::strerror(errno));
    return out;
  }
  sockaddr_in local{};
  socklen_t len = sizeof local;
  ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&local), &len);
  out.local_ip = format_ipv4(ntohl(local.sin_addr.s_addr));
  char buffer[256];
  for (ssize_t n; (n = ::read(fd.get(), buffer, sizeof buffer)) > 0;) out.body.append(buffer, static_cast<size_t>(n));
  return out;
}

// The IPv4 address of `interface` inside `netns`, or "" when it has none.
std::string interface_address(const std::string& netns, const std::string& interface) {
  UniqueFd fd = make_socket(netns, SOCK_DGRAM);
  ifreq request{};
  std::strncpy(request.ifr_name, interface.c_str(), IFNAMSIZ - 1);
  if (!fd || ::ioctl(fd.get(), SIOCGIFADDR, &request) != 0) return "";
  return format_ipv4(ntohl(reinterpret_cast<sockaddr_in*>(&request.ifr_addr)->sin_addr.s_addr));
}

bool host_has_link(const std::string& name) {
  auto host = Netlink::open();
  if (!host) return false;
  auto index = host->link_index(name);
  return index && index->has_value();
}

// A bridge, subnet, namespace prefix and state folder of this test's own, and their removal however the test ends.
class PodNetworkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const uint32_t h = fnv1a(fmt::format("{}/{}", ::getpid(), test_name()));
    tag_ = fmt::format("{:08x}", h);
    options_.bridge = fmt::format("ktt{:08x}", h);
    options_.subnet = fmt::format("10.{}.{}.0/24", 100 + (h >> 24) % 100, (h >> 16) & 0xff);
    options_.netns_prefix = fmt::format("kthenatest{:08x}-", h);
    options_.state_dir = fs::temp_directory_path() / fmt::format("kthena-podnet-{:08x}", h);
    fs::remove_all(options_.state_dir);
    if (::geteuid() != 0) GTEST_SKIP() << "needs root for network namespaces, veth pairs and a bridge";
    if (auto probe = probe_new_netns(); !probe)
      GTEST_SKIP() << "cannot make network namespaces here: " << probe.error().to_string();
    // Root in a user namespace may make namespaces but no bridge on the host: the network falls back.
    if (!network().isolated()) GTEST_SKIP() << "no privilege for a bridge on the host (loopback mode)";
  }
  void TearDown() override {
    network_.reset();
    // A fresh object finds what the test's own may have left (it is gone already if the test failed early).
    PodNetworkOptions options = options_;
    if (auto net = PodNetwork::create(options); net && (*net)->isolated()) (void)(*net)->collect_garbage({});
    if (auto host = Netlink::open()) (void)host->delete_link(options_.bridge);
    std::error_code ec;
    fs::remove_all(options_.state_dir, ec);
  }
  PodNetwork& network() {
    if (!network_) {
      auto made = PodNetwork::create(options_);
      EXPECT_TRUE(made) << made.error().to_string();
      if (made) network_ = std::move(*made);
    }
    return *network_;
  }
  void restart() { network_.reset(); }
  // Pod uids unique to this test: the host's veth names are made from them, and every test would otherwise ask for
  // the same "kth..." names.
  std::string uid(std::string_view name) const { return fmt::format("{}-{}", tag_, name); }
  std::string netns_file(const std::string& pod_uid) const { return "/run/netns/" + options_.netns_prefix + pod_uid; }

  std::string tag_;
  PodNetworkOptions options_;
  std::unique_ptr<PodNetwork> network_;
};

// The acceptance test: two pods both bind 0.0.0.0:8000, the host reaches each at its pod IP, they reach each other,
// each reaches itself through localhost and the host through the gateway, eth0 holds the pod's address, and after
// teardown nothing of either is left.
TEST_F(PodNetworkTest, TwoPodsOnOnePortReachableFromHostAndEachOther) {
  ASSERT_TRUE(network().isolated());
  const auto subnet = Ipv4Subnet::parse(options_.subnet);
  ASSERT_TRUE(subnet);
  EXPECT_EQ(network().gateway(), format_ipv4(subnet->network + 1));

  auto a = network().setup(uid("a"));
  ASSERT_TRUE(a) << a.error().to_string();
  auto b = network().setup(uid("b"));
  ASSERT_TRUE(b) << b.error().to_string();
  EXPECT_EQ(a->ip, format_ipv4(subnet->network + 2));
  EXPECT_EQ(b->ip, format_ipv4(subnet->network + 3));
  EXPECT_EQ(a->netns_path, netns_file(uid("a")));
  EXPECT_TRUE(is_named_netns(a->netns_path));
  EXPECT_EQ(interface_address(a->netns_path, "eth0"), a->ip);
  EXPECT_EQ(interface_address(b->netns_path, "eth0"), b->ip);

  NameServer engine_a(a->netns_path, "engine-a");
  NameServer engine_b(b->netns_path, "engine-b");
  ASSERT_EQ(engine_a.error(), "");
  ASSERT_EQ(engine_b.error(), "");  // the same port as engine_a: each pod has its own

  for (const auto& [from, to, want] : {std::tuple{std::string(), a->ip, "engine-a"},
                                       {std::string(), b->ip, "engine-b"},  // the host (the router)
                                       {a->netns_path, b->ip, "engine-b"},  // pod to pod
                                       {b->netns_path, a->ip, "engine-a"},
                                       {a->netns_path, "127.0.0.1", "engine-a"},  // a sidecar to its engine
                                       {b->netns_path, "127.0.0.1", "engine-b"}}) {
    Fetched got = fetch(from, to);
    EXPECT_EQ(got.error, "") << "from " << (from.empty() ? "host" : from);
    EXPECT_EQ(got.body, want) << "from " << (from.empty() ? "host" : from) << " to " << to;
  }
  EXPECT_EQ(fetch(a->netns_path, b->ip).local_ip, a->ip);  // leaves through eth0

  // The host's services (the API server, Redis) as a pod reaches them: through the gateway.
  NameServer api(/*netns=*/"", "apiserver", network().gateway(), 0);
  ASSERT_EQ(api.error(), "");
  EXPECT_EQ(fetch(a->netns_path, network().gateway(), api.port()).body, "apiserver");

  ASSERT_TRUE(network().teardown(uid("a")));
  ASSERT_TRUE(network().teardown(uid("b")));
  ASSERT_TRUE(network().teardown(uid("b")));  // idempotent
  for (const std::string& pod : {uid("a"), uid("b")}) {
    EXPECT_FALSE(fs::exists(netns_file(pod))) << pod;
    EXPECT_FALSE(host_has_link(host_veth_name(pod))) << pod;
  }
  EXPECT_TRUE(network().recorded().empty());
  EXPECT_TRUE(fs::is_empty(options_.state_dir));
  EXPECT_NE(fetch("", a->ip, 8000, std::chrono::milliseconds(300)).error, "");  // nobody answers there any more
}

TEST_F(PodNetworkTest, RestartedAgentKeepsEachPodsAddress) {
  auto first = network().setup(uid("keep"));
  ASSERT_TRUE(first) << first.error().to_string();
  restart();
  EXPECT_EQ(network().recorded(), std::vector<std::string>{uid("keep")});
  auto other = network().setup(uid("other"));  // set up first after the restart, still not given keep's address
  ASSERT_TRUE(other) << other.error().to_string();
  EXPECT_NE(other->ip, first->ip);
  auto again = network().setup(uid("keep"));
  ASSERT_TRUE(again) << again.error().to_string();
  EXPECT_EQ(again->ip, first->ip);
  EXPECT_EQ(again->netns_path, first->netns_path);
}

// A pod whose agent restarted beneath it: setup() again adopts the running pod's network rather than breaking it.
TEST_F(PodNetworkTest, SetupAgainKeepsARunningPodReachable) {
  auto pod = network().setup(uid("running"));
  ASSERT_TRUE(pod) << pod.error().to_string();
  NameServer engine(pod->netns_path, "engine");
  ASSERT_EQ(engine.error(), "");
  ASSERT_EQ(fetch("", pod->ip).body, "engine");
  restart();
  auto again = network().setup(uid("running"));
  ASSERT_TRUE(again) << again.error().to_string();
  EXPECT_EQ(again->ip, pod->ip);
  EXPECT_EQ(fetch("", pod->ip).body, "engine");
}

// A veth whose namespace lost its eth0 (an interrupted setup) is made afresh.
TEST_F(PodNetworkTest, SetupRepairsAHalfMadePod) {
  auto pod = network().setup(uid("half"));
  ASSERT_TRUE(pod) << pod.error().to_string();
  auto host = Netlink::open();
  ASSERT_TRUE(host);
  ASSERT_TRUE(host->delete_link(host_veth_name(uid("half"))));
  auto again = network().setup(uid("half"));
  ASSERT_TRUE(again) << again.error().to_string();
  NameServer engine(again->netns_path, "engine");
  ASSERT_EQ(engine.error(), "");
  EXPECT_EQ(fetch("", again->ip).body, "engine");
}

TEST_F(PodNetworkTest, GarbageCollectionRemovesPodsNoLongerLive) {
  for (const char* pod : {"x", "y", "z"}) ASSERT_TRUE(network().setup(uid(pod))) << pod;
  // A namespace without a record: left by an agent that died between making it and recording the pod.
  ASSERT_TRUE(create_named_netns(netns_file(uid("stray"))));
  auto removed = network().collect_garbage({uid("y")});
  ASSERT_TRUE(removed) << removed.error().to_string();
  EXPECT_EQ(*removed, (std::vector<std::string>{uid("stray"), uid("x"), uid("z")}));
  for (const std::string& pod : {uid("stray"), uid("x"), uid("z")}) {
    EXPECT_FALSE(fs::exists(netns_file(pod))) << pod;
    EXPECT_FALSE(host_has_link(host_veth_name(pod))) << pod;
  }
  EXPECT_EQ(network().recorded(), std::vector<std::string>{uid("y")});
  EXPECT_TRUE(is_named_netns(netns_file(uid("y"))));
}

TEST_F(PodNetworkTest, RefusesUidsThatCannotNameAFile) {
  EXPECT_EQ(network().setup("../etc").error().code, ErrorCode::kInvalid);
  EXPECT_EQ(network().setup("").error().code, ErrorCode::kInvalid);
  EXPECT_EQ(network().teardown("a/b").error().code, ErrorCode::kInvalid);
}

// Without CAP_NET_ADMIN over the host's network, create() falls back rather than failing. A forked child drops the
// privilege by entering a user namespace of its own (where it may still make namespaces, but no bridge outside).
TEST(PodNetworkFallback, LoopbackModeWithoutThePrivilege) {
  PodNetworkOptions options;
  options.state_dir = fs::temp_directory_path() / fmt::format("kthena-podnet-fallback-{}", ::getpid());
  options.bridge = fmt::format("ktf{:08x}", fnv1a(std::to_string(::getpid())));
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    if (::unshare(CLONE_NEWUSER) != 0) ::_exit(2);
    auto net = PodNetwork::create(options);
    ::_exit(net && !(*net)->isolated() && (*net)->gateway() == "127.0.0.1" ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  if (WEXITSTATUS(status) == 2) GTEST_SKIP() << "user namespaces are not permitted here";
  EXPECT_EQ(WEXITSTATUS(status), 0) << "create() did not fall back to loopback mode";
  EXPECT_FALSE(host_has_link(options.bridge));
}

// Loopback mode needs no privilege: each pod an address of its own in 127/8, recorded the same way.
TEST(LoopbackPodNetwork, AddressesOfTheirOwnKeptAcrossRestarts) {
  PodNetworkOptions options;
  options.loopback_only = true;
  options.state_dir = fs::temp_directory_path() / fmt::format("kthena-podnet-lo-{}", ::getpid());
  fs::remove_all(options.state_dir);
  struct Cleanup {
    fs::path dir;
    ~Cleanup() {
      std::error_code ec;
      fs::remove_all(dir, ec);
    }
  } cleanup{options.state_dir};

  auto net = PodNetwork::create(options);
  ASSERT_TRUE(net) << net.error().to_string();
  EXPECT_FALSE((*net)->isolated());
  EXPECT_EQ((*net)->gateway(), "127.0.0.1");
  auto a = (*net)->setup("a");
  auto b = (*net)->setup("b");
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->ip, "127.1.0.1");
  EXPECT_EQ(b->ip, "127.1.0.2");
  EXPECT_EQ(a->netns_path, "");
  // Both pods on port 8000 works only when each binds its own address: the limit of this mode.
  NameServer engine_a("", "engine-a", a->ip, 0);
  ASSERT_EQ(engine_a.error(), "");
  NameServer engine_b("", "engine-b", b->ip, engine_a.port());
  ASSERT_EQ(engine_b.error(), "");
  EXPECT_EQ(fetch("", b->ip, engine_a.port()).body, "engine-b");

  auto restarted = PodNetwork::create(options);
  ASSERT_TRUE(restarted);
  EXPECT_EQ((*restarted)->recorded(), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ((*restarted)->setup("b")->ip, "127.1.0.2");
  auto removed = (*restarted)->collect_garbage({"b"});
  ASSERT_TRUE(removed);
  EXPECT_EQ(*removed, std::vector<std::string>{"a"});
  EXPECT_EQ((*restarted)->setup("c")->ip, "127.1.0.1");  // a's address, free again
  ASSERT_TRUE((*restarted)->teardown("b"));
  ASSERT_TRUE((*restarted)->teardown("c"));
  EXPECT_TRUE((*restarted)->recorded().empty());
}

TEST(Ipv4Subnet, ParsesAndRefuses) {
  auto s = Ipv4Subnet::parse("10.244.0.0/16");
  ASSERT_TRUE(s);
  EXPECT_EQ(format_ipv4(s->network + 1), "10.244.0.1");
  EXPECT_EQ(format_ipv4(s->broadcast()), "10.244.255.255");
  EXPECT_TRUE(s->contains(*parse_ipv4("10.244.3.4")));
  EXPECT_FALSE(s->contains(*parse_ipv4("10.245.0.1")));
  EXPECT_FALSE(Ipv4Subnet::parse("10.244.0.1/16"));  // host bits
  EXPECT_FALSE(Ipv4Subnet::parse("10.244.0.0"));
  EXPECT_FALSE(Ipv4Subnet::parse("10.244.0.0/31"));
  EXPECT_FALSE(Ipv4Subnet::parse("10.244.0/16"));
}

TEST(HostVethName, FitsAnInterfaceNameAndIsStable) {
  const std::string name = host_veth_name("0f3c9a4e-7d1b-4c2a-9e8f-123456789abc");
  EXPECT_EQ(name.size(), 11u);
  EXPECT_LT(name.size(), size_t{IFNAMSIZ});
  EXPECT_EQ(name, host_veth_name("0f3c9a4e-7d1b-4c2a-9e8f-123456789abc"));
  EXPECT_NE(name, host_veth_name("0f3c9a4e-7d1b-4c2a-9e8f-123456789abd"));
}

}  // namespace
}  // namespace kthena::node
