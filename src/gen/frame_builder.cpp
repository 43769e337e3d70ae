#include "riptide/gen/frame_builder.hpp"

#include <cstring>

#include "riptide/core/byte_order.hpp"
#include "riptide/core/checksum.hpp"

namespace riptide::gen {

std::uint16_t ipv4_header_checksum(std::span<const std::uint8_t> ip) noexcept {
  if (ip.size() < 20) return 0xffff;
  const std::size_t ihl = std::size_t(ip[0] & 0x0f) * 4;
  if (ihl < 20 || ihl > ip.size()) return 0xffff;
  return checksum_fold(checksum_add(0, ip.first(ihl)));
}

std::uint16_t udp6_checksum(std::span<const std::uint8_t> ip6) noexcept {
  if (ip6.size() < 48) return 0xffff;
  const std::uint32_t plen = load_be16(ip6.data() + 4);
  if (ip6.size() < 40 + plen) return 0xffff;
  std::uint32_t s = checksum_add(0, ip6.subspan(8, 32));  // source + destination
  s += plen + 17;
  s = checksum_add(s, ip6.subspan(40, plen));
  return checksum_fold(s);
}

Result<FrameBuilder> FrameBuilder::create(const FrameSpec& spec) {
  if (spec.flows == 0 || spec.flows > kMaxFlows)
    return make_error(Errc::invalid_argument,
                      "flows must be 1.." + std::to_string(kMaxFlows) + ", got " + std::to_string(spec.flows));
  if (spec.vlan > 4094) return make_error(Errc::invalid_argument, "VLAN id must be 0..4094, got " + std::to_string(spec.vlan));
  return FrameBuilder(spec);
}

FrameBuilder::FrameBuilder(const FrameSpec& spec) : spec_(spec) {
  l2_len_ = spec.vlan >= 0 ? 18 : 14;
  hdr_len_ = l2_len_ + (spec.ipv6 ? 40 : 20) + 8;
  templates_.assign(std::size_t(spec.flows) * hdr_len_, 0);
  partial_.assign(spec.flows, 0);
  const std::uint32_t ports = 65536u - spec.src_port_base;
  for (std::uint32_t f = 0; f < spec.flows; ++f) {
    std::uint8_t* t = templates_.data() + std::size_t(f) * hdr_len_;
    std::memcpy(t, spec.dst_mac.data(), 6);
    std::memcpy(t + 6, spec.src_mac.data(), 6);
    std::uint8_t* p = t + 12;
    if (spec.vlan >= 0) {
      store_be16(p, 0x8100);
      store_be16(p + 2, std::uint32_t(spec.vlan));
      p += 4;
    }
    store_be16(p, spec.ipv6 ? 0x86dd : 0x0800);
    std::uint8_t* ip = t + l2_len_;
    const std::uint16_t sport = std::uint16_t(spec.src_port_base + f % ports);
    const std::uint32_t host_add = f / ports;
    std::uint8_t* udp = ip + (spec.ipv6 ? 40 : 20);
    store_be16(udp, sport);
    store_be16(udp + 2, spec.dst_port);
    if (!spec.ipv6) {
      ip[0] = 0x45;
      store_be16(ip + 6, 0x4000);  // DF: these frames are never fragmented
      ip[8] = spec.ttl;
      ip[9] = 17;
      std::uint32_t src = std::uint32_t(spec.src4[0]) << 24 | std::uint32_t(spec.src4[1]) << 16 |
                          std::uint32_t(spec.src4[2]) << 8 | spec.src4[3];
      src += host_add;
      for (int i = 0; i < 4; ++i) ip[12 + i] = std::uint8_t(src >> (24 - 8 * i));
      std::memcpy(ip + 16, spec.dst4.data(), 4);
      partial_[f] = checksum_add(0, {ip, 20});  // total length and checksum still 0
    } else {
      ip[0] = 0x60;
      ip[6] = 17;
      ip[7] = spec.ttl;
      std::memcpy(ip + 8, spec.src6.data(), 16);
      std::uint32_t low = std::uint32_t(spec.src6[12]) << 24 | std::uint32_t(spec.src6[13]) << 16 |
                          std::uint32_t(spec.src6[14]) << 8 | spec.src6[15];
      low += host_add;
      for (int i = 0; i < 4; ++i) ip[20 + i] = std::uint8_t(low >> (24 - 8 * i));
      std::memcpy(ip + 24, spec.dst6.data(), 16);
      // Pseudo header addresses and next header, plus the UDP ports; lengths are per frame.
      std::uint32_t s = checksum_add(0, {ip + 8, 32});
      s += 17;
      partial_[f] = checksum_add(s, {udp, 4});
    }
  }
}

std::uint32_t FrameBuilder::write(std::uint32_t flow, std::uint64_t seq, std::int64_t ts_ns, std::uint32_t size,
                                  std::span<std::uint8_t> out) const noexcept {
  if (flow >= spec_.flows || size < min_frame() || size > kMaxFrame || out.size() < size) return 0;
  std::uint8_t* f = out.data();
  std::memcpy(f, templates_.data() + std::size_t(flow) * hdr_len_, hdr_len_);
  std::uint8_t* ip = f + l2_len_;
  const std::uint32_t l3_len = size - l2_len_;
  GenPayload g{kGenMagic, flow, seq, ts_ns};
  std::uint8_t* payload = f + hdr_len_;
  const std::size_t written = write_gen_payload(g, {payload, size - hdr_len_});
  if (!spec_.ipv6) {
    std::uint8_t* udp = ip + 20;
    store_be16(ip + 2, l3_len);
    store_be16(ip + 10, checksum_fold(partial_[flow] + l3_len));
    store_be16(udp + 4, l3_len - 20);
  } else {
    std::uint8_t* udp = ip + 40;
    const std::uint32_t udp_len = l3_len - 40;
    store_be16(ip + 4, udp_len);
    store_be16(udp + 4, udp_len);
    // udp_len counts twice: once in the pseudo header, once in the UDP header.
    std::uint32_t s = partial_[flow] + 2 * udp_len;
    s = checksum_add(s, {payload, written});
    std::uint16_t c = checksum_fold(s);
    store_be16(udp + 6, c == 0 ? 0xffff : c);  // 0 means "no checksum", forbidden for IPv6
  }
  return size;
}

}  // namespace riptide::gen
