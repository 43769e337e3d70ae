#pragma once
// Where finished flow records go after the flow meter: the EVE JSON file, an IPFIX collector,
// a Kafka topic. Sinks run on the flow output thread, never on a capture thread, so a slow
// disk, a dead collector or a broker that does not answer costs records (counted here and in
// the ledger), never captured packets.
//
// Contract:
// - write(), tick() and close() are called on the output thread only, one at a time.
// - None of them may block for long: a sink keeps a bounded local queue or sends without
//   waiting; what it cannot take it counts in dropped, with the reason in error.
// - status() and counters() may be called from any thread at any moment (metrics snapshots,
//   the live status line): keep the figures in atomics.
// - A record is counted exactly once: written (handed to the file, the socket, the broker's
//   client and, for Kafka, later confirmed or failed), or dropped.
//
// Example: a sink that only counts.
//   class CountingSink final : public FlowRecordSink {
//    public:
//     std::string_view name() const noexcept override { return "count"; }
//     std::string target() const override { return "<none>"; }
//     void write(std::span<const FlowRecord> recs) noexcept override { n_ += recs.size(); }
//     void close() noexcept override {}
//     SinkStatus status() const noexcept override { return {n_.load(), 0, {}}; }
//    private:
//     std::atomic<std::uint64_t> n_{0};
//   };
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "riptide/core/packet.hpp"
#include "riptide/flow/flow_record.hpp"

namespace riptide {

struct SinkStatus {
  std::uint64_t written = 0;  // records the destination took
  std::uint64_t dropped = 0;  // records lost: queue full, send failed, broker refused, disk full
  std::string error;          // the first failure in one line, "" while all is well
};

// A sink's own figure, registered under the sink's name in the metrics registry
// ("ipfix_messages", "kafka_delivered"...). `drop` marks figures that count lost records.
struct SinkCounter {
  std::string name;
  std::string help;
  std::uint64_t value = 0;
  bool drop = false;
  std::string advice;  // what to do when a drop figure is not zero
  bool gauge = false;  // a level (records in flight), not a running total
};

class FlowRecordSink {
 public:
  virtual ~FlowRecordSink() = default;
  // What reports call this output: "flows" (EVE JSON), "ipfix", "kafka".
  virtual std::string_view name() const noexcept = 0;
  // Where it goes: a path, "<stdout>", "udp:127.0.0.1:4739", "kafka:TOPIC@BROKERS".
  virtual std::string target() const = 0;
  // Records in the order the meter finished them.
  virtual void write(std::span<const FlowRecord> recs) noexcept = 0;
  // About every 100 ms, records or not: resend templates, flush buffers, serve delivery
  // reports. `now_ns` is CLOCK_REALTIME.
  virtual void tick(TimestampNs now_ns) noexcept { (void)now_ns; }
  // End of the run: push out what is buffered (waiting a bounded time), then the figures are
  // final. Nothing is called after it.
  virtual void close() noexcept = 0;
  virtual SinkStatus status() const noexcept = 0;
  virtual void counters(std::vector<SinkCounter>& out) const { (void)out; }
};

}  // namespace riptide
