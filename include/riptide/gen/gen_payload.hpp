#pragma once
// The header riptide's generator writes at the start of every UDP payload, so that a
// receiver can count loss, reordering and duplicates per flow and measure latency.
//
// Wire layout, little-endian, no padding:
//   offset  0  u32 magic        kGenMagic: the bytes "RTGN"
//   offset  4  u32 flow         flow index, 0..flows-1
//   offset  8  u64 seq          per-flow sequence number, from 0
//   offset 16  i64 send_ts_ns   CLOCK_REALTIME nanoseconds when the batch was built
//                               (virtual time for --pcap-out files)
// The smallest frames (60 B IPv4: 18 payload bytes) cannot hold all 24 bytes: then only the
// first 16 are written and send_ts_ns is absent, which the parser reports as 0.
#include <cstdint>
#include <optional>
#include <span>

#include "riptide/core/packet.hpp"

namespace riptide::gen {

struct GenPayload {
  std::uint32_t magic = 0;
  std::uint32_t flow = 0;
  std::uint64_t seq = 0;
  std::int64_t send_ts_ns = 0;
};

inline constexpr std::uint32_t kGenMagic = 0x4E475452;  // "RTGN" in memory order
inline constexpr std::size_t kGenPayloadBytes = 24;
inline constexpr std::size_t kGenPayloadMinBytes = 16;  // without send_ts_ns

// Writes as much of `p` as fits in `out` (24 or 16 bytes). Returns bytes written; 0 when
// out is shorter than kGenPayloadMinBytes.
std::size_t write_gen_payload(const GenPayload& p, std::span<std::uint8_t> out) noexcept;

// Parses a UDP payload. nullopt when it is too short or the magic is wrong.
std::optional<GenPayload> parse_gen_udp_payload(std::span<const std::uint8_t> udp_payload) noexcept;

// Parses a whole frame: Ethernet (up to two 802.1Q/802.1ad tags) or raw IP, IPv4 (any
// header length, first fragment only) or IPv6 (UDP as the first next-header), UDP.
// nullopt for anything else, for truncated frames and for a wrong magic.
std::optional<GenPayload> parse_gen_payload(std::span<const std::uint8_t> frame,
                                            LinkType link = LinkType::ethernet) noexcept;
std::optional<GenPayload> parse_gen_payload(const PacketView& pkt) noexcept;

}  // namespace riptide::gen
