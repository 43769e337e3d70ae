#pragma once
// The built-in flow meter: a FlowTable fed packet by packet, expired once per batch,
// delivering finished flows to a sink. A plain single-threaded class; one per worker.
#include <cstddef>
#include <memory>

#include "riptide/core/packet.hpp"
#include "riptide/decode/metadata.hpp"
#include "riptide/flow/flow_record.hpp"
#include "riptide/flow/flow_stats.hpp"
#include "riptide/flow/flow_table.hpp"

namespace riptide {

using FlowMeterConfig = FlowTableConfig;

class FlowMeter {
 public:
  // Borrows `sink`, which must outlive the meter.
  FlowMeter(const FlowMeterConfig& cfg, FlowSink& sink);
  // Owns `sink`.
  FlowMeter(const FlowMeterConfig& cfg, std::unique_ptr<FlowSink> sink);

  // Time and frame length come from the view (wirelen, so snaplen-truncated packets count in full).
  void on_packet(const PacketMeta& meta, const PacketView& pkt) noexcept { table_.update(meta, pkt); }
  // A batch at once: pkts[i] is the packet metas[i] was decoded from. Faster than one
  // on_packet() per packet on large tables (the table's memory loads overlap).
  void on_packets(const PacketMeta* metas, const PacketView* pkts, std::size_t n) noexcept {
    table_.update_batch(metas, pkts, n);
  }
  // Ends the flows idle at `now` (the newest packet time, or the clock when input is quiet).
  void on_batch_end(TimestampNs now) noexcept { table_.expire(now); }
  // End of input: every remaining flow is exported with reason end_of_input.
  void finish() noexcept { table_.flush_all(); }

  const FlowMeterStats& stats() const noexcept { return table_.stats(); }
  const FlowTable& table() const noexcept { return table_; }
  FlowSink& sink() noexcept { return *sink_; }

 private:
  std::unique_ptr<FlowSink> owned_sink_;
  FlowSink* sink_;
  FlowTable table_;
};

}  // namespace riptide
