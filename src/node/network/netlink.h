// A small rtnetlink client (NETLINK_ROUTE): the link, address and route operations a CNI bridge needs, spoken to the
// kernel directly rather than through `ip`, so that errors come back as values and no process is spawned per pod.
// A socket acts in the network namespace it was created in; open_in() makes one inside a pod's namespace without
// moving any long-lived thread there.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "node/unique_fd.h"

namespace kthena::node {

// Addresses are IPv4 in host byte order. Errors: kForbidden when the kernel says EPERM/EACCES (the caller may fall
// back to loopback mode), kIo otherwise; the message names the operation and the object.
// Not thread-safe: one owner at a time (requests and their answers share the socket).
class Netlink {
 public:
  static Result<Netlink> open();  // in the caller's network namespace
  static Result<Netlink> open_in(const std::filesystem::path& netns);

  // The interface's index, or nullopt when there is none of that name.
  Result<std::optional<int>> link_index(std::string_view name);
  // Creates a bridge with a fixed MAC (a bridge without one takes its lowest port's, which changes as pods come and
  // go and leaves the pods' ARP entries for the gateway stale). false: it existed already.
  Result<bool> create_bridge(std::string_view name, const std::array<uint8_t, 6>& mac);
  // Creates a veth pair: `host_name` here, its peer `peer_name` directly in the namespace open as `peer_netns_fd`.
  Result<void> create_veth(std::string_view host_name, std::string_view peer_name, int peer_netns_fd);
  // Brings the interface up, enslaved to `master_index` when given.
  Result<void> set_up(int index, std::optional<int> master_index = std::nullopt);
  // An address already present is no error.
  Result<void> add_address(int index, uint32_t address, int prefix_len);
  // A default route already present is no error.
  Result<void> add_default_route(uint32_t gateway, int index);
  // false: there was no such interface. Deleting one end of a veth pair deletes the other.
  Result<bool> delete_link(std::string_view name);

 private:
  explicit Netlink(UniqueFd fd) : fd_(std::move(fd)) {}
  static Result<Netlink> from_socket(UniqueFd fd);
  // Sends one request and reads until its acknowledgement; returns 0 or the kernel's errno. `reply`, when given,
  // receives the first non-error answer (the body of a GET).
  Result<int> transact(std::string message, std::string* reply = nullptr);

  UniqueFd fd_;
  uint32_t seq_ = 0;
};

}  // namespace kthena::node
