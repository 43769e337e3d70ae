#pragma once
// The flow meter as an analyzer: one FlowTable per packet thread. Finished flows leave each
// instance once per packet batch through its own bounded queue to the flow output thread
// (flow/flow_output.hpp), which hands them to the sinks: the EVE JSON file, IPFIX, Kafka.
// Nothing is written, locked or allocated per record on the packet thread; a queue that is
// full costs records (live capture, counted as flow_output_queue_full), never packets. Reading
// a file, an instance waits for room instead: nothing is lost to a fast reader.
// Analyzers of the same thread that subscribed (AnalyzerContext::subscribe_flows) get the same
// records first, on that thread, through AnalyzerContext::publish_flows.
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "riptide/analyze/analyzer.hpp"
#include "riptide/core/result.hpp"
#include "riptide/flow/flow_meter.hpp"
#include "riptide/flow/flow_output.hpp"
#include "riptide/flow/record_sink.hpp"

namespace riptide {

class FlowMeterFactory final : public AnalyzerFactory {
 public:
  // The sinks finished flows go to, in this order (none: records are only counted). Their
  // outputs must already be open: a path that cannot be opened is an error before capture.
  static Result<std::unique_ptr<FlowMeterFactory>> create(const FlowMeterConfig& cfg,
                                                          std::vector<std::unique_ptr<FlowRecordSink>> sinks,
                                                          const FlowOutputConfig& out = {});
  // One EVE JSON sink at json_path ("" none, "-" stdout).
  static Result<std::unique_ptr<FlowMeterFactory>> create(const FlowMeterConfig& cfg, const std::string& json_path);
  ~FlowMeterFactory() override;

  std::string_view name() const noexcept override { return "flow"; }
  // Each instance's table gets the next FlowTableConfig::table_index (0, 1, 2, ... in the
  // order of the calls; the engine creates thread 0's first), so flow ids are unique within
  // the run however many threads meter flows.
  std::unique_ptr<Analyzer> create(std::size_t thread_index) override;
  // Flows end on timeouts of seconds; records written 50 ms later change nothing.
  std::chrono::milliseconds max_packet_delay() const noexcept override { return std::chrono::milliseconds(50); }
  // Every instance stopped: drains the queues into the sinks and closes them.
  void finish() override;
  // One entry per sink: written, and dropped including the records the queues refused.
  void outputs(std::vector<OutputStatus>& out) const override;
  // flow_output_queue_full, flow_output_queued, flow_output_in_queue, and each sink's own.
  void output_counters(std::vector<OutputCounter>& out) const override;

  // Totals over every instance created, valid after finish().
  const FlowMeterStats& totals() const noexcept { return totals_; }
  std::uint64_t records_written() const noexcept;  // by the first sink
  std::uint64_t records_dropped() const noexcept;  // by the first sink, queue refusals included
  std::uint64_t queue_full() const noexcept { return output_ ? output_->queue_full() : 0; }
  const FlowOutput* output() const noexcept { return output_.get(); }

  // Hands records to the output thread from a thread that is not a meter instance (tests,
  // tools); waits for room. Serialised by a lock: not for a packet path.
  void deliver(const FlowRecord* recs, std::size_t n);
  // Called by instances when they stop.
  void add_totals(const FlowMeterStats& s);

 private:
  FlowMeterFactory(const FlowMeterConfig& cfg, std::unique_ptr<FlowOutput> out);
  SinkStatus status_of(const FlowRecordSink& s) const;
  FlowMeterConfig cfg_;
  std::unique_ptr<FlowOutput> output_;  // null: records only counted
  FlowOutput::Producer* direct_ = nullptr;  // deliver()'s queue, made on first use
  mutable std::mutex mu_;
  FlowMeterStats totals_{};
  std::uint32_t tables_created_ = 0;
  bool finished_ = false;
};

}  // namespace riptide
