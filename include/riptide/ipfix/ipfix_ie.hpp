#pragma once
// IPFIX wire constants (RFC 7011) and the two templates riptide exports: one for IPv4 flows,
// one for IPv6. Numbers are IANA's "IPFIX Information Elements" registry.
//
// Both directions of a flow travel in one record, as an RFC 5103 biflow: the forward fields
// are the client -> server direction, the reverse ones (enterprise bit set, PEN 29305) the
// server -> client one. Why a biflow rather than two records: Debian's nfdump 1.7 maps the
// reverse octetDeltaCount/packetDeltaCount onto its "out bytes/out packets" and adds them to
// its totals, so one riptide flow stays one nfdump flow with both directions' counts. Its
// reverse-element table knows only those counters: any other reverse element it reads as the
// forward one (a reverse tcpControlBits would overwrite the client's flags, a reverse start
// time the flow's start). So the templates carry no other reverse element that nfdump maps;
// reverse layer2OctetDeltaCount is safe because nfdump skips that element in either direction.
#include <array>
#include <cstddef>
#include <cstdint>

#include "riptide/flow/flow_record.hpp"

namespace riptide::ipfix {

inline constexpr std::uint16_t kVersion = 10;
inline constexpr std::size_t kMessageHeaderLen = 16;
inline constexpr std::size_t kSetHeaderLen = 4;
inline constexpr std::uint16_t kTemplateSetId = 2;
inline constexpr std::uint16_t kOptionsTemplateSetId = 3;
inline constexpr std::uint16_t kMinDataSetId = 256;
inline constexpr std::uint16_t kVariableLength = 65535;
inline constexpr std::uint32_t kReversePen = 29305;  // RFC 5103 reverse information elements

// Information element ids used here.
namespace ie {
inline constexpr std::uint16_t octetDeltaCount = 1;
inline constexpr std::uint16_t packetDeltaCount = 2;
inline constexpr std::uint16_t protocolIdentifier = 4;
inline constexpr std::uint16_t tcpControlBits = 6;
inline constexpr std::uint16_t sourceTransportPort = 7;
inline constexpr std::uint16_t sourceIPv4Address = 8;
inline constexpr std::uint16_t destinationTransportPort = 11;
inline constexpr std::uint16_t destinationIPv4Address = 12;
inline constexpr std::uint16_t sourceIPv6Address = 27;
inline constexpr std::uint16_t destinationIPv6Address = 28;
inline constexpr std::uint16_t icmpTypeCodeIPv4 = 32;
inline constexpr std::uint16_t vlanId = 58;
inline constexpr std::uint16_t flowEndReason = 136;
inline constexpr std::uint16_t icmpTypeCodeIPv6 = 139;
inline constexpr std::uint16_t flowId = 148;
inline constexpr std::uint16_t flowStartMilliseconds = 152;
inline constexpr std::uint16_t flowEndMilliseconds = 153;
inline constexpr std::uint16_t biflowDirection = 239;
inline constexpr std::uint16_t dot1qCustomerVlanId = 245;
inline constexpr std::uint16_t layer2OctetDeltaCount = 352;
}  // namespace ie

// One field specifier of a template. enterprise != 0 sets the enterprise bit on the wire.
struct FieldSpec {
  std::uint16_t id = 0;
  std::uint16_t length = 0;
  std::uint32_t enterprise = 0;
  bool operator==(const FieldSpec&) const = default;
};

inline constexpr std::uint16_t kTemplateV4 = 256;
inline constexpr std::uint16_t kTemplateV6 = 257;
inline constexpr std::size_t kTemplateFields = 20;

// Field order of both templates; the address and ICMP elements follow the IP version.
// Counters are full 8 bytes; tcpControlBits uses RFC 7011's reduced-size encoding (1 byte):
// riptide keeps the 8 classic flags only.
constexpr std::array<FieldSpec, kTemplateFields> template_fields(bool v6) noexcept {
  const std::uint16_t addr_len = v6 ? 16 : 4;
  return {{
      {ie::flowId, 8, 0},
      {v6 ? ie::sourceIPv6Address : ie::sourceIPv4Address, addr_len, 0},
      {v6 ? ie::destinationIPv6Address : ie::destinationIPv4Address, addr_len, 0},
      {ie::sourceTransportPort, 2, 0},
      {ie::destinationTransportPort, 2, 0},
      {ie::protocolIdentifier, 1, 0},
      {ie::tcpControlBits, 1, 0},
      {v6 ? ie::icmpTypeCodeIPv6 : ie::icmpTypeCodeIPv4, 2, 0},
      {ie::vlanId, 2, 0},
      {ie::dot1qCustomerVlanId, 2, 0},
      {ie::flowStartMilliseconds, 8, 0},
      {ie::flowEndMilliseconds, 8, 0},
      {ie::packetDeltaCount, 8, 0},
      {ie::octetDeltaCount, 8, 0},
      {ie::layer2OctetDeltaCount, 8, 0},
      {ie::packetDeltaCount, 8, kReversePen},
      {ie::octetDeltaCount, 8, kReversePen},
      {ie::layer2OctetDeltaCount, 8, kReversePen},
      {ie::flowEndReason, 1, 0},
      {ie::biflowDirection, 1, 0},
  }};
}

constexpr std::size_t record_length(bool v6) noexcept {
  std::size_t n = 0;
  for (const auto& f : template_fields(v6)) n += f.length;
  return n;
}

// A template record on the wire: id, count, then 4 bytes per field (8 with enterprise).
constexpr std::size_t template_record_length(bool v6) noexcept {
  std::size_t n = 4;
  for (const auto& f : template_fields(v6)) n += f.enterprise ? 8 : 4;
  return n;
}

// flowEndReason values (RFC 7012): 1 idle, 2 active, 3 end of flow detected, 4 forced end,
// 5 lack of resources. FIN and RST are both "end detected", so a RST reads back as tcp_fin.
std::uint8_t end_reason_code(FlowEndReason r) noexcept;
FlowEndReason end_reason_from_code(std::uint8_t code) noexcept;

}  // namespace riptide::ipfix
