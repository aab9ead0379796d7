// IPv4 subnets and addresses as host-order integers, for allocating pod addresses by counting.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace kthena::node {

Result<uint32_t> parse_ipv4(std::string_view text);
std::string format_ipv4(uint32_t address);

struct Ipv4Subnet {
  uint32_t network = 0;  // host bits zero
  int prefix_len = 0;

  // "10.244.0.0/16"; host bits set, or a prefix longer than /30 (no room for a gateway and a pod), are refused.
  static Result<Ipv4Subnet> parse(std::string_view cidr);
  uint32_t mask() const { return prefix_len == 0 ? 0 : ~uint32_t{0} << (32 - prefix_len); }
  uint32_t broadcast() const { return network | ~mask(); }
  bool contains(uint32_t address) const { return (address & mask()) == network; }
  std::string to_string() const;
};

}  // namespace kthena::node
