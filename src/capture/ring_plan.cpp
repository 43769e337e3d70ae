#include <linux/if_packet.h>

#include <algorithm>
#include <cstdio>
#include <string>

#include "riptide/capture/afpacket_config.hpp"

namespace riptide {
namespace {

constexpr std::uint32_t kPage = 4096;
// tp_frame_size is only validated in V3 (packets are packed back to back); any multiple
// of TPACKET_ALIGNMENT that divides the block and exceeds the header will do.
constexpr std::uint32_t kNominalFrame = 2048;

constexpr std::uint32_t align_up(std::uint32_t v, std::uint32_t a) { return (v + a - 1) / a * a; }

// Offset of the first packet in a block (the kernel's BLK_PLUS_PRIV with no private area).
constexpr std::uint32_t kBlockHeader = align_up(sizeof(tpacket_block_desc), 8);

std::string human_bytes(std::uint64_t b) {
  char buf[32];
  if (b >= (1ull << 20) && b % (1ull << 20) == 0) {
    std::snprintf(buf, sizeof buf, "%llu MiB", static_cast<unsigned long long>(b >> 20));
  } else if (b >= 1024 && b % 1024 == 0) {
    std::snprintf(buf, sizeof buf, "%llu KiB", static_cast<unsigned long long>(b >> 10));
  } else {
    std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(b));
  }
  return buf;
}

std::string human_count(double n) {
  char buf[32];
  if (n >= 1e6) std::snprintf(buf, sizeof buf, "%.2fM", n / 1e6);
  else if (n >= 1e4) std::snprintf(buf, sizeof buf, "%.0fk", n / 1e3);
  else std::snprintf(buf, sizeof buf, "%.0f", n);
  return buf;
}

}  // namespace

std::uint32_t v3_packet_cost(std::uint32_t caplen) noexcept {
  // Mirrors tpacket_rcv(): header area is TPACKET3_HDRLEN, the MAC header (at least 16
  // bytes reserved) ends on a TPACKET_ALIGNMENT boundary; next packet is 8-aligned.
  constexpr std::uint32_t hdrlen = TPACKET_ALIGN(sizeof(tpacket3_hdr)) + sizeof(sockaddr_ll);
  constexpr std::uint32_t maclen = 14;
  constexpr std::uint32_t netoff = TPACKET_ALIGN(hdrlen + 16);
  constexpr std::uint32_t macoff = netoff - maclen;
  return align_up(macoff + caplen, 8);
}

RingPlan plan_ring(const AfPacketConfig& cfg) {
  RingPlan p;
  p.block_bytes = align_up(std::max<std::uint32_t>(cfg.block_bytes, kPage), kPage);
  // A cap below two blocks (tcpdump's -B 1024 is 1 MiB) takes smaller blocks, so the ring
  // stays within what was asked: the largest power-of-two pages that still give two blocks.
  if (cfg.max_ring_bytes < 2ull * p.block_bytes) {
    std::uint32_t b = kPage;
    while (2ull * b * 2 <= cfg.max_ring_bytes) b *= 2;
    p.block_bytes = b;
  }
  p.frame_bytes = kNominalFrame;
  const std::uint32_t caplen = std::min(std::max<std::uint32_t>(cfg.avg_frame_bytes, 14), cfg.snaplen);
  p.per_packet_bytes = v3_packet_cost(caplen);
  const std::uint64_t per_block =
      std::max<std::uint64_t>(1, (p.block_bytes - kBlockHeader) / p.per_packet_bytes);

  const double pps = static_cast<double>(std::max<std::uint64_t>(cfg.expected_pps, 1));
  const double stall_packets = pps * cfg.ring_ms / 1000.0;
  // +1: the block the reader is working through is not available to the kernel.
  std::uint64_t by_rate = static_cast<std::uint64_t>((stall_packets + per_block - 1) / per_block) + 1;
  // A block is retired when full or when block_timeout_ms expires, whichever comes first:
  // below per_block / timeout pps blocks leave part-empty, so a stall of ring_ms consumes
  // ring_ms / block_timeout_ms blocks whatever their size.
  const std::uint32_t tmo = std::max<std::uint32_t>(cfg.block_timeout_ms, 1);
  std::uint64_t by_timeout = (cfg.ring_ms + tmo - 1) / tmo + 1;
  std::uint64_t count = std::max<std::uint64_t>({by_rate, by_timeout, 2});

  const std::uint64_t max_blocks = std::max<std::uint64_t>(cfg.max_ring_bytes / p.block_bytes, 2);
  if (count > max_blocks) {
    count = max_blocks;
    p.capped = true;
  }
  p.block_count = static_cast<std::uint32_t>(count);
  p.total_bytes = static_cast<std::uint64_t>(p.block_bytes) * p.block_count;
  p.packet_capacity = per_block * (p.block_count - 1);
  const double ms_per_block = std::min(static_cast<double>(per_block) / pps * 1000.0, static_cast<double>(tmo));
  const bool by_tmo = ms_per_block >= tmo;
  p.holds_ms = ms_per_block * (p.block_count - 1);

  char rate[48];
  if (pps >= 10'000) std::snprintf(rate, sizeof rate, "%.2f Mpps", pps / 1e6);
  else std::snprintf(rate, sizeof rate, "%.0f pps", pps);
  char ms[32];
  std::snprintf(ms, sizeof ms, "%.0f ms", p.holds_ms);
  p.explanation = "ring " + std::to_string(p.block_count) + " x " + human_bytes(p.block_bytes) +
                  " = " + human_bytes(p.total_bytes) + ": holds ~" +
                  human_count(static_cast<double>(p.packet_capacity)) + " packets of " +
                  std::to_string(caplen) + " B (" + std::to_string(p.per_packet_bytes) +
                  " B each in the ring) = " + ms + " at " + rate +
                  (by_tmo ? " (blocks leave part-full on the " + std::to_string(tmo) + " ms timeout)" : "") +
                  (p.capped ? " (capped by max ring " + human_bytes(cfg.max_ring_bytes) + ", wanted " +
                                  std::to_string(cfg.ring_ms) + " ms)"
                            : "");
  return p;
}

}  // namespace riptide
