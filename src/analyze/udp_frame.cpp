// Ethernet [+ 802.1Q] + IPv4/IPv6 + UDP around an analyzer's payload.
#include "riptide/analyze/udp_frame.hpp"

#include <cstring>
#include <vector>

#include "riptide/analyze/analyzer.hpp"
#include "riptide/core/byte_order.hpp"
#include "riptide/core/checksum.hpp"

namespace riptide {

std::size_t build_udp_frame(const UdpEndpoint& src, const UdpEndpoint& dst, std::span<const std::uint8_t> payload,
                            std::span<std::uint8_t> out, const UdpFrameOptions& opt) noexcept {
  const bool v4 = src.ip.is_v4();
  if (v4 != dst.ip.is_v4() || opt.vlan_id > 4095) return 0;
  const std::size_t l2 = opt.vlan_id >= 0 ? 18 : 14, l3 = v4 ? 20 : 40;
  const std::size_t udp_len = 8 + payload.size();
  if (udp_len > 0xffff - (v4 ? 20 : 0) || out.size() < l2 + l3 + udp_len) return 0;
  std::uint8_t* f = out.data();
  std::memcpy(f, dst.mac.data(), 6);
  std::memcpy(f + 6, src.mac.data(), 6);
  if (opt.vlan_id >= 0) {
    store_be16(f + 12, 0x8100);
    store_be16(f + 14, static_cast<std::uint16_t>(opt.vlan_id));
  }
  store_be16(f + l2 - 2, v4 ? 0x0800 : 0x86DD);
  std::uint8_t* ip = f + l2;
  std::uint32_t pseudo = 0;
  if (v4) {
    ip[0] = 0x45;
    ip[1] = 0;
    store_be16(ip + 2, static_cast<std::uint16_t>(20 + udp_len));
    store_be16(ip + 4, 0);
    store_be16(ip + 6, 0x4000);  // don't fragment
    ip[8] = opt.ttl;
    ip[9] = 17;
    store_be16(ip + 10, 0);
    std::memcpy(ip + 12, src.ip.b.data() + 12, 4);
    std::memcpy(ip + 16, dst.ip.b.data() + 12, 4);
    store_be16(ip + 10, internet_checksum({ip, 20}));
    pseudo = checksum_add(0, {ip + 12, 8});
  } else {
    store_be32(ip, 0x60000000u);
    store_be16(ip + 4, static_cast<std::uint16_t>(udp_len));
    ip[6] = 17;
    ip[7] = opt.ttl;
    std::memcpy(ip + 8, src.ip.b.data(), 16);
    std::memcpy(ip + 24, dst.ip.b.data(), 16);
    pseudo = checksum_add(0, {ip + 8, 32});
  }
  std::uint8_t* udp = ip + l3;
  store_be16(udp, src.port);
  store_be16(udp + 2, dst.port);
  store_be16(udp + 4, static_cast<std::uint16_t>(udp_len));
  store_be16(udp + 6, 0);
  if (!payload.empty()) std::memcpy(udp + 8, payload.data(), payload.size());
  pseudo += 17 + static_cast<std::uint32_t>(udp_len);
  const std::uint16_t c = checksum_fold(checksum_add(pseudo, {udp, udp_len}));
  store_be16(udp + 6, c == 0 ? 0xffff : c);  // 0 would mean "no checksum"
  return l2 + l3 + udp_len;
}

bool AnalyzerContext::send_udp(const UdpEndpoint& dst, std::uint16_t src_port, std::span<const std::uint8_t> payload) {
  const InterfaceInfo& i = interface();
  UdpEndpoint src{i.mac, dst.ip.is_v4() ? i.ipv4 : i.ipv6, src_port};
  if (dst.ip.is_v4() ? !i.has_ipv4 : !i.has_ipv6) return send({});  // refused and counted
  // Up to the interface's MTU, which may be jumbo: one buffer per thread, grown once.
  thread_local std::vector<std::uint8_t> buf;
  const std::size_t room = max_send_frame();
  if (buf.size() < room) buf.resize(room);
  const std::size_t n = build_udp_frame(src, dst, payload, std::span<std::uint8_t>(buf.data(), room));
  return send(std::span<const std::uint8_t>(buf.data(), n));
}

}  // namespace riptide
