#include "node/network/netlink.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include <fmt/format.h>

#include "node/network/named_netns.h"

namespace kthena::node {
namespace {

tl::unexpected<Error> errno_failure(int err, std::string_view what) {
  const ErrorCode code = (err == EPERM || err == EACCES) ? ErrorCode::kForbidden : ErrorCode::kIo;
  return fail(code, fmt::format("{}: {}", what, std::strerror(err)));
}

// Builds one netlink request: the header, the family's fixed struct, then attributes (nested ones by begin/end).
// Everything is 4-byte aligned as NLMSG_ALIGN / RTA_ALIGN require; the bytes are copied in, never cast in place.
class Message {
 public:
  Message(uint16_t type, uint16_t flags) {
    nlmsghdr header{};
    header.nlmsg_type = type;
    header.nlmsg_flags = static_cast<uint16_t>(flags | NLM_F_REQUEST | NLM_F_ACK);
    append(&header, sizeof header);
  }
  template <class T>
  void fixed(const T& body) {
    append(&body, sizeof body);
  }
  void attr(uint16_t type, const void* data, size_t len) {
    rtattr a{};
    a.rta_len = static_cast<uint16_t>(RTA_LENGTH(len));
    a.rta_type = type;
    append(&a, sizeof a);
    append(data, len);
  }
  void attr_string(uint16_t type, std::string_view s) {
    std::string z(s);  // with its NUL, as the kernel expects of IFLA_IFNAME and IFLA_INFO_KIND
    attr(type, z.c_str(), z.size() + 1);
  }
  void attr_u32(uint16_t type, uint32_t v) { attr(type, &v, sizeof v); }
  size_t begin(uint16_t type) {
    const size_t at = bytes_.size();
    attr(type, nullptr, 0);
    return at;
  }
  void end(size_t at) {
    const auto len = static_cast<uint16_t>(bytes_.size() - at);
    std::memcpy(bytes_.data() + at + offsetof(rtattr, rta_len), &len, sizeof len);
  }
  // The sequence number is set by Netlink::transact.
  std::string finish() {
    const auto len = static_cast<uint32_t>(bytes_.size());
    std::memcpy(bytes_.data() + offsetof(nlmsghdr, nlmsg_len), &len, sizeof len);
    return std::move(bytes_);
  }

 private:
  void append(const void* data, size_t len) {
    if (len > 0) bytes_.append(static_cast<const char*>(data), len);
    bytes_.resize(NLMSG_ALIGN(bytes_.size()), '\0');
  }
  std::string bytes_;
};

ifinfomsg link_message(int index = 0) {
  ifinfomsg info{};
  info.ifi_family = AF_UNSPEC;
  info.ifi_index = index;
  return info;
}

}  // namespace

Result<Netlink> Netlink::from_socket(UniqueFd fd) {
  sockaddr_nl local{};
  local.nl_family = AF_NETLINK;  // nl_pid 0: the kernel picks the port id
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&local), sizeof local) != 0) {
    return errno_failure(errno, "binding a netlink socket");
  }
  return Netlink(std::move(fd));
}

Result<Netlink> Netlink::open() {
  UniqueFd fd(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE));
  if (!fd) return errno_failure(errno, "opening a netlink socket");
  return from_socket(std::move(fd));
}

Result<Netlink> Netlink::open_in(const std::filesystem::path& netns) {
  auto fd = socket_in_netns(netns, AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
  if (!fd) return fail(fd.error());
  return from_socket(std::move(*fd));
}

Result<int> Netlink::transact(std::string message, std::string* reply) {
  const uint32_t seq = ++seq_;
  std::memcpy(message.data() + offsetof(nlmsghdr, nlmsg_seq), &seq, sizeof seq);
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  if (::sendto(fd_.get(), message.data(), message.size(), 0, reinterpret_cast<const sockaddr*>(&kernel),
               sizeof kernel) < 0) {
    return errno_failure(errno, "sending a netlink request");
  }
  // uint64_t storage: the NLMSG_* macros read headers in place and need the alignment.
  std::vector<uint64_t> buffer(8192);
  for (;;) {
    const ssize_t n = ::recv(fd_.get(), buffer.data(), buffer.size() * sizeof(uint64_t), 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno_failure(errno, "reading a netlink answer");
    }
    auto len = static_cast<unsigned int>(n);
    for (auto* header = reinterpret_cast<nlmsghdr*>(buffer.data()); NLMSG_OK(header, len);
         header = NLMSG_NEXT(header, len)) {
      if (header->nlmsg_seq != seq) continue;  // a late answer to an earlier request
      if (header->nlmsg_type == NLMSG_ERROR) {
        const auto* error = static_cast<const nlmsgerr*>(NLMSG_DATA(header));
        return -error->error;  // 0 is the acknowledgement
      }
      if (header->nlmsg_type == NLMSG_DONE) return 0;
      if (reply != nullptr && reply->empty()) reply->assign(reinterpret_cast<const char*>(header), header->nlmsg_len);
    }
  }
}

Result<std::optional<int>> Netlink::link_index(std::string_view name) {
  Message m(RTM_GETLINK, 0);
  m.fixed(link_message());
  m.attr_string(IFLA_IFNAME, name);
  std::string reply;
  auto err = transact(m.finish(), &reply);
  if (!err) return fail(err.error());
  if (*err == ENODEV) return std::nullopt;
  if (*err != 0) return errno_failure(*err, fmt::format("looking up interface {}", name));
  if (reply.size() < NLMSG_LENGTH(sizeof(ifinfomsg))) return fail(ErrorCode::kIo, "short RTM_NEWLINK answer");
  ifinfomsg info{};
  std::memcpy(&info, reply.data() + NLMSG_HDRLEN, sizeof info);
  return info.ifi_index;
}

Result<bool> Netlink::create_bridge(std::string_view name, const std::array<uint8_t, 6>& mac) {
  Message m(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
  m.fixed(link_message());
  m.attr_string(IFLA_IFNAME, name);
  m.attr(IFLA_ADDRESS, mac.data(), mac.size());
  const size_t info = m.begin(IFLA_LINKINFO);
  m.attr_string(IFLA_INFO_KIND, "bridge");
  m.end(info);
  auto err = transact(m.finish());
  if (!err) return fail(err.error());
  if (*err == EEXIST) return false;
  if (*err != 0) return errno_failure(*err, fmt::format("creating bridge {}", name));
  return true;
}

Result<void> Netlink::create_veth(std::string_view host_name, std::string_view peer_name, int peer_netns_fd) {
  Message m(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
  m.fixed(link_message());
  m.attr_string(IFLA_IFNAME, host_name);
  const size_t info = m.begin(IFLA_LINKINFO);
  m.attr_string(IFLA_INFO_KIND, "veth");
  const size_t data = m.begin(IFLA_INFO_DATA);
  // The peer is described as a link message of its own, its namespace given by fd: it is born there, with its
  // final name, so there is no moment when a second "eth0" would have to exist on the host.
  const size_t peer = m.begin(VETH_INFO_PEER);
  m.fixed(link_message());
  m.attr_string(IFLA_IFNAME, peer_name);
  m.attr_u32(IFLA_NET_NS_FD, static_cast<uint32_t>(peer_netns_fd));
  m.end(peer);
  m.end(data);
  m.end(info);
  auto err = transact(m.finish());
  if (!err) return fail(err.error());
  if (*err != 0) return errno_failure(*err, fmt::format("creating veth pair {} / {}", host_name, peer_name));
  return {};
}

Result<void> Netlink::set_up(int index, std::optional<int> master_index) {
  Message m(RTM_NEWLINK, 0);
  ifinfomsg info = link_message(index);
  info.ifi_flags = IFF_UP;
  info.ifi_change = IFF_UP;
  m.fixed(info);
  if (master_index) m.attr_u32(IFLA_MASTER, static_cast<uint32_t>(*master_index));
  auto err = transact(m.finish());
  if (!err) return fail(err.error());
  if (*err != 0) return errno_failure(*err, fmt::format("bringing up interface #{}", index));
  return {};
}

Result<void> Netlink::add_address(int index, uint32_t address, int prefix_len) {
  Message m(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL);
  ifaddrmsg info{};
  info.ifa_family = AF_INET;
  info.ifa_prefixlen = static_cast<unsigned char>(prefix_len);
  info.ifa_scope = RT_SCOPE_UNIVERSE;
  info.ifa_index = static_cast<unsigned>(index);
  m.fixed(info);
  const uint32_t net = htonl(address);
  m.attr(IFA_LOCAL, &net, sizeof net);
  m.attr(IFA_ADDRESS, &net, sizeof net);
  auto err = transact(m.finish());
  if (!err) return fail(err.error());
  if (*err != 0 && *err != EEXIST) {
    return errno_failure(*err, fmt::format("adding an address to interface #{}", index));
  }
  return {};
}

Result<void> Netlink::add_default_route(uint32_t gateway, int index) {
  Message m(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL);
  rtmsg info{};
  info.rtm_family = AF_INET;
  info.rtm_table = RT_TABLE_MAIN;
  info.rtm_protocol = RTPROT_BOOT;
  info.rtm_scope = RT_SCOPE_UNIVERSE;
  info.rtm_type = RTN_UNICAST;
  m.fixed(info);
  const uint32_t net = htonl(gateway);
  m.attr(RTA_GATEWAY, &net, sizeof net);
  m.attr_u32(RTA_OIF, static_cast<uint32_t>(index));
  auto err = transact(m.finish());
  if (!err) return fail(err.error());
  if (*err != 0 && *err != EEXIST) return errno_failure(*err, "adding the default route");
  return {};
}

Result<bool> Netlink::delete_link(std::string_view name) {
  Message m(RTM_DELLINK, 0);
  m.fixed(link_message());
  m.attr_string(IFLA_IFNAME, name);
  auto err = transact(m.finish());
  if (!err) return fail(err.error());
  if (*err == ENODEV) return false;
  if (*err != 0) return errno_failure(*err, fmt::format("deleting interface {}", name));
  return true;
}

}  // namespace kthena::node
