#include "node/network/ipv4_subnet.h"

#include <arpa/inet.h>

#include <charconv>

#include <fmt/format.h>

namespace kthena::node {

Result<uint32_t> parse_ipv4(std::string_view text) {
  const std::string z(text);
  in_addr address{};
  if (::inet_pton(AF_INET, z.c_str(), &address) != 1) {
    return fail(ErrorCode::kInvalid, fmt::format("\"{}\" is not an IPv4 address", text));
  }
  return ntohl(address.s_addr);
}

std::string format_ipv4(uint32_t address) {
  return fmt::format("{}.{}.{}.{}", address >> 24, (address >> 16) & 0xff, (address >> 8) & 0xff, address & 0xff);
}

Result<Ipv4Subnet> Ipv4Subnet::parse(std::string_view cidr) {
  const size_t slash = cidr.find('/');
  if (slash == std::string_view::npos) return fail(ErrorCode::kInvalid, fmt::format("\"{}\" has no /prefix", cidr));
  auto address = parse_ipv4(cidr.substr(0, slash));
  if (!address) return fail(address.error());
  Ipv4Subnet subnet;
  const std::string_view digits = cidr.substr(slash + 1);
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), subnet.prefix_len);
  if (ec != std::errc() || end != digits.data() + digits.size() || subnet.prefix_len < 1 || subnet.prefix_len > 30) {
    return fail(ErrorCode::kInvalid, fmt::format("\"{}\": the prefix must be 1..30", cidr));
  }
  subnet.network = *address;
  if ((*address & subnet.mask()) != *address) {
    return fail(ErrorCode::kInvalid, fmt::format("\"{}\" has host bits set", cidr));
  }
  return subnet;
}

std::string Ipv4Subnet::to_string() const {
  return fmt::format("{}/{}", format_ipv4(network), prefix_len);
}

}  // namespace kthena::node
