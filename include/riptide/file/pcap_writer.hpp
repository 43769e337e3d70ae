#pragma once
// The classic pcap writer on its own (one file, one link type): see packet_writer.hpp.
#include "riptide/file/packet_writer.hpp"

namespace riptide {

using PcapWriterStats = PacketWriterStats;

class PcapWriter {
 public:
  // "-" writes to standard output. nanosecond selects the a1b23c4d magic. A snaplen of 0 or
  // above kMaxSnaplen is kMaxSnaplen.
  static Result<std::unique_ptr<PacketWriter>> open(const std::string& path, LinkType link, std::uint32_t snaplen,
                                                    bool nanosecond = true);
};

}  // namespace riptide
