#include "ipfix/record_reader.hpp"

#include <algorithm>
#include <limits>

#include "ipfix/be.hpp"
#include "riptide/decode/ip_addr.hpp"

namespace riptide::ipfix::detail {
namespace {

TimestampNs ms_to_ns(std::uint64_t ms) noexcept {
  constexpr std::uint64_t kMax = static_cast<std::uint64_t>(std::numeric_limits<TimestampNs>::max()) / 1'000'000;
  return static_cast<TimestampNs>(std::min(ms, kMax) * 1'000'000);
}

void apply_forward(std::uint16_t id, const std::uint8_t* p, std::size_t n, FlowRecord& r) noexcept {
  switch (id) {
    case ie::sourceIPv4Address:
    case ie::destinationIPv4Address:
      if (n != 4) return;
      (id == ie::sourceIPv4Address ? r.src_ip : r.dest_ip) = IpAddr::from_v4(p);
      r.ip_version = 4;
      return;
    case ie::sourceIPv6Address:
    case ie::destinationIPv6Address:
      if (n != 16) return;
      (id == ie::sourceIPv6Address ? r.src_ip : r.dest_ip) = IpAddr::from_v6(p);
      r.ip_version = 6;
      return;
    default:
      break;
  }
  if (n == 0 || n > 8) return;  // every other element riptide reads is an unsigned number
  const std::uint64_t v = get_uint(p, n);
  switch (id) {
    case ie::octetDeltaCount: r.toserver.ip_bytes = v; break;
    case ie::packetDeltaCount: r.toserver.pkts = v; break;
    case ie::layer2OctetDeltaCount: r.toserver.bytes = v; break;
    case ie::protocolIdentifier: r.proto = static_cast<std::uint8_t>(v); break;
    case ie::tcpControlBits: r.toserver.tcp_flags = static_cast<std::uint8_t>(v); break;
    case ie::sourceTransportPort: r.src_port = static_cast<std::uint16_t>(v); break;
    case ie::destinationTransportPort: r.dest_port = static_cast<std::uint16_t>(v); break;
    case ie::icmpTypeCodeIPv4:
    case ie::icmpTypeCodeIPv6:
      r.toserver.icmp_type = static_cast<std::uint8_t>(v >> 8);
      r.toserver.icmp_code = static_cast<std::uint8_t>(v);
      break;
    case ie::vlanId:
      if (v == 0) break;  // riptide writes 0 for an untagged flow
      r.vlan_ids[0] = static_cast<std::uint16_t>(v);
      r.vlan_count = std::max<std::uint8_t>(r.vlan_count, 1);
      break;
    case ie::dot1qCustomerVlanId:
      if (v == 0) break;
      r.vlan_ids[1] = static_cast<std::uint16_t>(v);
      r.vlan_count = 2;
      break;
    case ie::flowEndReason: r.reason = end_reason_from_code(static_cast<std::uint8_t>(v)); break;
    case ie::flowId: r.flow_id = v; break;
    case ie::flowStartMilliseconds: r.start_ns = ms_to_ns(v); break;
    case ie::flowEndMilliseconds: r.end_ns = ms_to_ns(v); break;
    default: break;
  }
}

}  // namespace

void apply_field(const FieldSpec& f, const std::uint8_t* p, std::size_t n, FlowRecord& r) noexcept {
  if (f.enterprise == 0) return apply_forward(f.id, p, n, r);
  if (f.enterprise != kReversePen || n == 0 || n > 8) return;
  const std::uint64_t v = get_uint(p, n);
  switch (f.id) {
    case ie::octetDeltaCount: r.toclient.ip_bytes = v; break;
    case ie::packetDeltaCount: r.toclient.pkts = v; break;
    case ie::layer2OctetDeltaCount: r.toclient.bytes = v; break;
    default: break;
  }
}

}  // namespace riptide::ipfix::detail
