#pragma once
// IANA keyword of an IP protocol number (the "Keyword" column of the IANA protocol-numbers
// registry), as EVE's "proto" carries it: "TCP", "GRE", "IPv6-ICMP". Empty for numbers
// without a keyword (unassigned, experimental, "any ..." entries).
#include <cstdint>
#include <string_view>

namespace riptide::flow_detail {

std::string_view ip_proto_name(std::uint8_t proto) noexcept;

}  // namespace riptide::flow_detail
