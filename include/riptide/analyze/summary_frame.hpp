#pragma once
// The summary the `reporter` analyzer transmits every period, and its parser.
//
// It travels either right after the Ethernet header under its own EtherType (default 0x88B5,
// IEEE "local experimental") or as the payload of an IPv4/UDP datagram. All integers are in
// network byte order (big-endian). Version 1 layout:
//
//   offset size field
//        0    4 magic            the bytes "RPTD"
//        4    2 version          1
//        6    2 header_bytes     64: where the talker entries start (lets later versions grow
//                                the header without breaking version-1 readers)
//        8    8 sequence         per analyzer instance: 0 for its first report, +1 per report
//       16    8 timestamp_ns     when the report was built, ns since the Unix epoch, in the
//                                configured time base (wall clock unless flags bit 0)
//       24    8 period_packets   packets seen since the previous report
//       32    8 period_bytes     their wire bytes
//       40    8 total_packets    packets seen since the analyzer started
//       48    8 total_bytes
//       56    2 thread_index     packet thread that produced the report; 0xFFFF: merged
//                                over every packet thread (kSummaryAllThreads)
//       58    2 talker_count     entries that follow (<= kSummaryMaxTalkers)
//       60    1 flags            bit 0: timestamp is packet time, not wall time;
//                                bit 1: final report (sent when capture stopped)
//       61    1 talker_bytes     size of one talker entry: 32
//       62    2 reserved         0
//       64      talker entries, largest first: the top source addresses by bytes in the period
//              +0  16 address    IPv6, or IPv4-mapped (::ffff:a.b.c.d)
//              +16  8 bytes      Space-Saving count: an upper bound of the true bytes
//              +24  8 error      the true bytes are at least bytes - error
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "riptide/decode/metadata.hpp"

namespace riptide {

inline constexpr std::array<std::uint8_t, 4> kSummaryMagic = {'R', 'P', 'T', 'D'};
inline constexpr std::uint16_t kSummaryVersion = 1;
inline constexpr std::size_t kSummaryHeaderBytes = 64;
inline constexpr std::size_t kSummaryTalkerBytes = 32;
inline constexpr std::size_t kSummaryMaxTalkers = 32;
inline constexpr std::size_t kSummaryMaxPayload = kSummaryHeaderBytes + kSummaryMaxTalkers * kSummaryTalkerBytes;
inline constexpr std::uint16_t kSummaryDefaultEthertype = 0x88B5;

inline constexpr std::uint8_t kSummaryFlagPacketTime = 0x01;
inline constexpr std::uint8_t kSummaryFlagFinal = 0x02;
inline constexpr std::uint16_t kSummaryAllThreads = 0xFFFF;

struct SummaryTalker {
  IpAddr addr{};
  std::uint64_t bytes = 0;
  std::uint64_t error = 0;
};

struct SummaryFrame {
  std::uint16_t version = kSummaryVersion;
  std::uint8_t flags = 0;
  std::uint64_t sequence = 0;
  std::int64_t timestamp_ns = 0;
  std::uint64_t period_packets = 0;
  std::uint64_t period_bytes = 0;
  std::uint64_t total_packets = 0;
  std::uint64_t total_bytes = 0;
  std::uint16_t thread_index = 0;
  std::uint16_t talker_count = 0;
  std::array<SummaryTalker, kSummaryMaxTalkers> talkers{};
};

// Writes the payload of `s` into `out`. Returns its length, or 0 when out is too small or
// talker_count > kSummaryMaxTalkers.
std::size_t write_summary_payload(const SummaryFrame& s, std::span<std::uint8_t> out) noexcept;

// Parses a summary payload. nullopt when short, when the magic or version is wrong, or when
// the talker entries do not fit. Bytes after the last entry (Ethernet padding) are ignored.
std::optional<SummaryFrame> parse_summary_payload(std::span<const std::uint8_t> payload) noexcept;

// Parses a whole Ethernet frame (up to two 802.1Q/802.1ad tags): IPv4/UDP carrying a summary,
// or any other EtherType whose payload is a summary. Never reads past frame.size().
std::optional<SummaryFrame> parse_summary_frame(std::span<const std::uint8_t> frame) noexcept;

}  // namespace riptide
