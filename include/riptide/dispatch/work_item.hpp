#pragma once
// WorkItem: one packet as a worker receives it. The dispatcher copies each packet out of the
// capture buffer into a slot owned by the worker's ring, so the capture source can hand its
// buffer (a TPACKET_V3 block, a libpcap buffer) back at once. The alternative, passing
// pointers into the block and returning the block when a per-block reference count drops to
// zero, saves the copy but lets one slow worker pin blocks and starve the kernel ring, which
// is the drop we exist to avoid; a 200 B copy costs a few tens of ns.
#include <cstdint>
#include <span>

#include "riptide/core/packet.hpp"
#include "riptide/decode/metadata.hpp"

namespace riptide {

struct WorkItem {
  // pkt.data points into the worker's slot arena, valid only during the handler call that
  // received this item. When the packet was longer than the slot, pkt.caplen and meta.caplen
  // are reduced to the slot size, kMetaTruncated is set and pkt.wirelen is kept, so byte
  // counts stay right; meta offsets may then lie beyond caplen, as with a short snaplen.
  PacketView pkt;
  PacketMeta meta;

  std::span<const std::uint8_t> bytes() const noexcept { return pkt.bytes(); }
};

}  // namespace riptide
