#include "riptide/analyze/summary_frame.hpp"

#include <cstring>

#include "riptide/core/byte_order.hpp"

namespace riptide {

std::size_t write_summary_payload(const SummaryFrame& s, std::span<std::uint8_t> out) noexcept {
  if (s.talker_count > kSummaryMaxTalkers) return 0;
  const std::size_t len = kSummaryHeaderBytes + s.talker_count * kSummaryTalkerBytes;
  if (out.size() < len) return 0;
  std::uint8_t* p = out.data();
  std::memcpy(p, kSummaryMagic.data(), 4);
  store_be16(p + 4, s.version);
  store_be16(p + 6, static_cast<std::uint16_t>(kSummaryHeaderBytes));
  store_be64(p + 8, s.sequence);
  store_be64(p + 16, static_cast<std::uint64_t>(s.timestamp_ns));
  store_be64(p + 24, s.period_packets);
  store_be64(p + 32, s.period_bytes);
  store_be64(p + 40, s.total_packets);
  store_be64(p + 48, s.total_bytes);
  store_be16(p + 56, s.thread_index);
  store_be16(p + 58, s.talker_count);
  p[60] = s.flags;
  p[61] = static_cast<std::uint8_t>(kSummaryTalkerBytes);
  store_be16(p + 62, 0);
  for (std::size_t i = 0; i < s.talker_count; ++i) {
    std::uint8_t* t = p + kSummaryHeaderBytes + i * kSummaryTalkerBytes;
    std::memcpy(t, s.talkers[i].addr.b.data(), 16);
    store_be64(t + 16, s.talkers[i].bytes);
    store_be64(t + 24, s.talkers[i].error);
  }
  return len;
}

std::optional<SummaryFrame> parse_summary_payload(std::span<const std::uint8_t> in) noexcept {
  if (in.size() < kSummaryHeaderBytes) return std::nullopt;
  const std::uint8_t* p = in.data();
  if (std::memcmp(p, kSummaryMagic.data(), 4) != 0) return std::nullopt;
  SummaryFrame s;
  s.version = load_be16(p + 4);
  if (s.version != kSummaryVersion) return std::nullopt;
  const std::size_t header = load_be16(p + 6);
  const std::size_t entry = p[61];
  s.talker_count = load_be16(p + 58);
  if (header < kSummaryHeaderBytes || entry < kSummaryTalkerBytes || s.talker_count > kSummaryMaxTalkers)
    return std::nullopt;
  if (in.size() < header || (in.size() - header) / entry < s.talker_count) return std::nullopt;
  s.sequence = load_be64(p + 8);
  s.timestamp_ns = static_cast<std::int64_t>(load_be64(p + 16));
  s.period_packets = load_be64(p + 24);
  s.period_bytes = load_be64(p + 32);
  s.total_packets = load_be64(p + 40);
  s.total_bytes = load_be64(p + 48);
  s.thread_index = load_be16(p + 56);
  s.flags = p[60];
  for (std::size_t i = 0; i < s.talker_count; ++i) {
    const std::uint8_t* t = p + header + i * entry;
    std::memcpy(s.talkers[i].addr.b.data(), t, 16);
    s.talkers[i].bytes = load_be64(t + 16);
    s.talkers[i].error = load_be64(t + 24);
  }
  return s;
}

std::optional<SummaryFrame> parse_summary_frame(std::span<const std::uint8_t> f) noexcept {
  std::size_t off = 12;
  if (f.size() < off + 2) return std::nullopt;
  std::uint16_t type = load_be16(f.data() + off);
  for (int tags = 0; (type == 0x8100 || type == 0x88A8) && tags < 2; ++tags) {
    off += 4;
    if (f.size() < off + 2) return std::nullopt;
    type = load_be16(f.data() + off);
  }
  off += 2;
  if (type == 0x86DD) return std::nullopt;  // the reporter sends IPv4 only
  if (type != 0x0800) return parse_summary_payload(f.subspan(off));

  if (f.size() < off + 20) return std::nullopt;
  const std::uint8_t* ip = f.data() + off;
  const std::size_t ihl = static_cast<std::size_t>(ip[0] & 0x0f) * 4;
  if ((ip[0] >> 4) != 4 || ihl < 20 || ip[9] != 17) return std::nullopt;
  if ((load_be16(ip + 6) & 0x3fff) != 0) return std::nullopt;  // a fragment: payload incomplete
  off += ihl;
  if (f.size() < off + 8) return std::nullopt;
  const std::size_t udp_len = load_be16(f.data() + off + 4);
  if (udp_len < 8) return std::nullopt;
  const std::size_t avail = f.size() - off;
  return parse_summary_payload(f.subspan(off + 8, (udp_len < avail ? udp_len : avail) - 8));
}

}  // namespace riptide
