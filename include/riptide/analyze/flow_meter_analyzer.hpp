#pragma once
// The flow meter as an analyzer: one FlowTable per packet thread, finished flows written as
// EVE JSON lines to one shared output. Each instance batches its finished flows and hands
// them to the writer under a lock once per packet batch, never once per packet.
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "riptide/analyze/analyzer.hpp"
#include "riptide/core/result.hpp"
#include "riptide/flow/eve_json.hpp"
#include "riptide/flow/flow_meter.hpp"

namespace riptide {

class FlowMeterFactory final : public AnalyzerFactory {
 public:
  // json_path: "" writes no flow records, "-" writes them to stdout. The file is opened
  // here: a path that cannot be opened is an error before any capture.
  static Result<std::unique_ptr<FlowMeterFactory>> create(const FlowMeterConfig& cfg, const std::string& json_path,
                                                          const RotationPolicy& json_rotation = {});

  std::string_view name() const noexcept override { return "flow"; }
  // Each instance's table gets the next FlowTableConfig::table_index (0, 1, 2, ... in the
  // order of the calls; the engine creates thread 0's first), so flow ids are unique within
  // the run however many threads meter flows.
  std::unique_ptr<Analyzer> create(std::size_t thread_index) override;
  // Flows end on timeouts of seconds; records written 50 ms later change nothing.
  std::chrono::milliseconds max_packet_delay() const noexcept override { return std::chrono::milliseconds(50); }
  void finish() override;
  // "flows": the EVE JSON output, when there is one.
  void outputs(std::vector<OutputStatus>& out) const override;

  // Totals over every instance created, valid after finish().
  const FlowMeterStats& totals() const noexcept { return totals_; }
  std::uint64_t records_written() const noexcept;
  std::uint64_t records_dropped() const noexcept;  // output failed (disk full, closed pipe)
  const EveJsonWriter* writer() const noexcept { return writer_.get(); }

  // Called by instances (under the factory's lock).
  void deliver(const FlowRecord* recs, std::size_t n);
  void add_totals(const FlowMeterStats& s);

 private:
  FlowMeterFactory(const FlowMeterConfig& cfg, std::unique_ptr<EveJsonWriter> writer);
  FlowMeterConfig cfg_;
  std::unique_ptr<EveJsonWriter> writer_;  // null: records only counted
  mutable std::mutex mu_;
  FlowMeterStats totals_{};
  std::uint32_t tables_created_ = 0;
};

}  // namespace riptide
