#include "riptide/gen/gen_payload.hpp"

#include <cstring>

#include "riptide/core/byte_order.hpp"

namespace riptide::gen {

namespace {


std::optional<GenPayload> parse_ip(const std::uint8_t* p, std::size_t n) noexcept {
  if (n < 1) return std::nullopt;
  const std::uint8_t* udp = nullptr;
  std::size_t udp_avail = 0;
  if ((p[0] >> 4) == 4) {
    const std::size_t ihl = std::size_t(p[0] & 0x0f) * 4;
    if (ihl < 20 || n < ihl || p[9] != 17) return std::nullopt;
    if ((load_be16(p + 6) & 0x1fff) != 0) return std::nullopt;  // not the first fragment
    const std::size_t total = load_be16(p + 2);
    if (total < ihl) return std::nullopt;
    udp = p + ihl;
    udp_avail = (total < n ? total : n) - ihl;
  } else if ((p[0] >> 4) == 6) {
    if (n < 40 || p[6] != 17) return std::nullopt;
    udp = p + 40;
    const std::size_t plen = load_be16(p + 4);
    udp_avail = (plen < n - 40 ? plen : n - 40);
  } else {
    return std::nullopt;
  }
  if (udp_avail < 8) return std::nullopt;
  std::size_t ulen = load_be16(udp + 4);
  if (ulen < 8) return std::nullopt;
  if (ulen > udp_avail) ulen = udp_avail;  // truncated capture: parse what is there
  return parse_gen_udp_payload({udp + 8, ulen - 8});
}

}  // namespace

std::size_t write_gen_payload(const GenPayload& g, std::span<std::uint8_t> out) noexcept {
  if (out.size() < kGenPayloadMinBytes) return 0;
  store_le<std::uint32_t>(out.data(), g.magic);
  store_le<std::uint32_t>(out.data() + 4, g.flow);
  store_le<std::uint64_t>(out.data() + 8, g.seq);
  if (out.size() < kGenPayloadBytes) return kGenPayloadMinBytes;
  store_le<std::uint64_t>(out.data() + 16, std::uint64_t(g.send_ts_ns));
  return kGenPayloadBytes;
}

std::optional<GenPayload> parse_gen_udp_payload(std::span<const std::uint8_t> b) noexcept {
  if (b.size() < kGenPayloadMinBytes) return std::nullopt;
  GenPayload g;
  g.magic = load_le<std::uint32_t>(b.data());
  if (g.magic != kGenMagic) return std::nullopt;
  g.flow = load_le<std::uint32_t>(b.data() + 4);
  g.seq = load_le<std::uint64_t>(b.data() + 8);
  if (b.size() >= kGenPayloadBytes) g.send_ts_ns = std::int64_t(load_le<std::uint64_t>(b.data() + 16));
  return g;
}

std::optional<GenPayload> parse_gen_payload(std::span<const std::uint8_t> f, LinkType link) noexcept {
  const std::uint8_t* p = f.data();
  std::size_t n = f.size();
  if (link == LinkType::raw || link == LinkType::ipv4 || link == LinkType::ipv6) return parse_ip(p, n);
  if (link != LinkType::ethernet || n < 14) return std::nullopt;
  std::uint16_t type = load_be16(p + 12);
  std::size_t off = 14;
  for (int tags = 0; (type == 0x8100 || type == 0x88a8) && tags < 2; ++tags) {
    if (n < off + 4) return std::nullopt;
    type = load_be16(p + off + 2);
    off += 4;
  }
  if (type != 0x0800 && type != 0x86dd) return std::nullopt;
  return parse_ip(p + off, n - off);
}

std::optional<GenPayload> parse_gen_payload(const PacketView& pkt) noexcept {
  return parse_gen_payload(pkt.bytes(), pkt.link);
}

}  // namespace riptide::gen
