#pragma once
// One window of the heavy-hitters analyzer: the sketches the packet path updates, and the
// off-path step that turns them into a JSON line.
#include <array>
#include <cstdint>
#include <span>
#include <string>

#include "riptide/analyze/heavy_hitters.hpp"
#include "riptide/analyze/sketch.hpp"
#include "riptide/decode/flow_key.hpp"

namespace riptide::hh {

inline constexpr std::size_t kBuckets = HeavyHittersConfig::kEntropyBuckets;
static_assert((kBuckets & (kBuckets - 1)) == 0, "bucket count must be a power of two");

inline std::uint64_t port_hash(std::uint16_t port) noexcept { return sketch_mix(0x5bd1e995u + port); }

struct Window {
  using Addrs = SpaceSaving<IpAddr, HeavyHittersConfig::kSpaceSavingCapacity, IpAddrHash>;
  using Histogram = std::array<std::uint64_t, kBuckets>;

  explicit Window(const HeavyHittersConfig& cfg) : dport_bytes(cfg.cm_width, cfg.cm_depth) {}

  void add(const PacketMeta& m, std::uint32_t wirelen) noexcept {
    ++packets;
    bytes += wirelen;
    if (!m.has(kMetaHasL3)) return;
    ++ip_packets;
    src.add(m.src, wirelen);
    dst.add(m.dst, wirelen);
    ++h_src[IpAddrHash{}(m.src) & (kBuckets - 1)];
    ++h_dst[IpAddrHash{}(m.dst) & (kBuckets - 1)];
    if (m.has(kMetaHasL4) && flow_detail::proto_has_ports(m.ip_proto)) {
      const std::uint64_t dh = port_hash(m.dport);
      ++h_sport[port_hash(m.sport) & (kBuckets - 1)];
      ++h_dport[dh & (kBuckets - 1)];
      dport_bytes.add(dh, wirelen);
    }
  }
  void clear() noexcept;
  // Adds `o` (the same period on another thread) into this window.
  void merge(const Window& o) noexcept;

  Addrs src, dst;
  Histogram h_src{}, h_dst{}, h_sport{}, h_dport{};
  CountMin dport_bytes;
  std::uint64_t packets = 0, bytes = 0, ip_packets = 0;
  TimestampNs start = 0, end = 0;
};

// The heavy part, for one period of every packet thread: sums the parts (packets, bytes,
// histograms, Count-Min cells) into the first non-null one, takes
// the top K of the union of the address summaries (merged_top in sketch.hpp), scans all 65536
// ports through the summed Count-Min sketch, computes four entropies. Null parts are skipped.
// The line's window is [start, end] (chosen by the caller, who knows the period).
// Returns the JSON line without its newline, "" when no part holds a packet.
std::string merge_and_format(std::span<Window* const> parts, std::uint32_t k, TimestampNs start, TimestampNs end);

}  // namespace riptide::hh
