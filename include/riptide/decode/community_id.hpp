#pragma once
// Community ID v1 (https://github.com/corelight/community-id-spec): a flow hash that
// Suricata, Zeek, Wireshark and others compute the same way, so records can be joined
// across tools. Format "1:" + base64(SHA-1(seed, ordered addresses, proto, ports)).
//
// **Example**
//   char buf[riptide::kCommunityIdLen];
//   std::string_view id = riptide::community_id(src, 1234, dst, 80, 4, 6, buf);  // "1:...="
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "riptide/decode/ip_addr.hpp"

namespace riptide {

inline constexpr std::size_t kCommunityIdLen = 30;  // "1:" + 28 base64 characters

// `ip_version` (4 or 6) decides whether the 4-byte or the 16-byte address form is hashed.
// For ICMP (1) and ICMPv6 (58) pass the type as `sport` and the code as `dport`: request and
// reply types are paired as the specification says, so both directions get one ID. Ports
// are hashed only for TCP, UDP, SCTP, ICMP and ICMPv6. Writes kCommunityIdLen bytes to `out`.
std::string_view community_id(const IpAddr& src, std::uint16_t sport, const IpAddr& dst, std::uint16_t dport,
                              std::uint8_t ip_version, std::uint8_t proto, char* out,
                              std::uint16_t seed = 0) noexcept;

}  // namespace riptide
