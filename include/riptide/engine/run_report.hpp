#pragma once
// Where every packet went: the figures of one run, stage by stage, with the ledger that
// must add up and a plain-language explanation for every drop point.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "riptide/analyze/analyzer.hpp"
#include "riptide/core/metrics.hpp"
#include "riptide/decode/decoder.hpp"

namespace riptide {

struct AnalyzerReport {
  std::string name;
  std::uint64_t errors = 0;     // exceptions caught
  std::uint64_t disabled = 0;   // instances switched off after too many errors
  std::uint64_t timer_fires = 0;  // calls of its AnalyzerContext::add_timer callbacks
  std::uint64_t packets = 0;         // handed to it (seen + missed)
  std::uint64_t packets_missed = 0;  // it threw for them, or was switched off
  std::uint64_t busy_ns = 0;         // time inside its calls, all threads
  std::uint64_t calls = 0;           // calls timed, all threads (one per batch on the packet path)
  std::uint64_t max_call_ns = 0;     // its longest single call, on any thread
  std::size_t max_call_thread = 0;   // the packet thread of that call (capture thread or worker)
  std::string max_call_where;        // what that call was: "on_packets", "on_batch_end", "a timer"...
  std::uint64_t flow_records = 0;         // handed to its on_flows (subscribe_flows)
  std::uint64_t flow_records_missed = 0;  // of those, not seen (it threw, or was switched off)
  std::vector<AnalyzerCounter> counters;  // summed over instances
};

struct RunReport {
  std::string input;     // "afpacket:eth0 x2", "file:x.pcap"
  std::string topology;  // "workers", "dispatch"
  bool live = false;
  double elapsed_s = 0;
  bool final = false;    // false for the periodic snapshots
  bool forced = false;   // a second stop request ended the run before every thread did

  // Interface, before any socket: deltas over the run; nullopt when the system lacks them.
  std::optional<std::uint64_t> if_rx_dropped, if_rx_missed, if_rx_fifo, softnet_drops;
  // Kernel socket (live): packets that passed the kernel filter, and those the ring had no
  // room for. PACKET_STATISTICS totals, accumulated.
  std::uint64_t kernel_packets = 0, kernel_drops = 0, kernel_freezes = 0;
  bool kernel_exact = false;  // the capture was frozen before the last count: the ledger is exact

  std::uint64_t captured = 0, captured_bytes = 0;  // handed to riptide by the source
  std::uint64_t filtered_out = 0;   // rejected by the user-space filter (files)
  std::uint64_t beyond_count = 0;   // read after the -c limit was reached: not analyzed
  std::uint64_t worker_queue_drops = 0;
  std::uint64_t copy_truncated = 0;
  std::uint64_t processed = 0;      // went through every analyzer
  std::uint64_t in_flight = 0;      // dispatch: in a worker's queue at the snapshot (0 at the end)
  std::uint64_t interface_losses = 0;

  DecodeStats decode;
  std::vector<AnalyzerReport> analyzers;

  std::uint64_t pcap_written = 0, pcap_not_written = 0;  // -w
  std::uint64_t pcap_queue_drops = 0, pcap_files = 0;     // -w: its queue was full; files opened
  std::uint64_t flow_records = 0, flow_records_dropped = 0;  // the flow meter's output
  std::vector<OutputStatus> outputs;  // every analyzer output, known at the end of a run
  std::string tx_iface;  // "" : no transmit path
  bool tx_known = false;  // tx_sent/failed/retried are read once the transmit thread stopped
  std::uint64_t tx_sent = 0, tx_failed = 0, tx_retried = 0, tx_refused = 0;
  std::uint64_t tx_oversize = 0;  // of tx_refused: longer than the interface's MTU allows
  // The compute pool (AnalyzerContext::offload): refused = queue full, the task was dropped.
  std::uint64_t offload_submitted = 0, offload_refused = 0, offload_completed = 0, offload_failed = 0;
  std::int64_t offload_max_latency_ns = 0;  // submit -> back on the analyzer's thread
  std::uint64_t offload_placement_failed = 0;  // offload threads left off their CPUs / priority

  std::uint64_t file_bytes_read = 0, file_bytes = 0;  // files: progress (file_bytes 0: unknown)

  std::vector<std::string> errors;  // file faults, output failures: one line each

  // Every registered figure at the moment of the snapshot: the fields above are views of it.
  std::vector<MetricSample> metrics;

  // captured == processed + filtered_out + beyond_count + worker_queue_drops + in_flight.
  bool ledger_balanced() const noexcept {
    return captured == processed + filtered_out + beyond_count + worker_queue_drops + in_flight;
  }
  std::uint64_t total_drops() const noexcept { return kernel_drops + worker_queue_drops; }
};

// When packets were lost behind a packet thread (a worker queue or the kernel ring full) and
// one analyzer call stood out (1 ms or longer), the line that names it, e.g. "analyzer 'slow'
// took up to 212 ms per on_packets call on worker 1 (mean 0.02 ms over 1,234 calls): offload
// its long work (ctx.offload) or raise --worker-ring". "" otherwise.
std::string stall_advice(const RunReport& r);

// Human report, several lines, ending with the explanation of every non-zero drop point.
std::string format_report(const RunReport& r);
// One status line for stderr: rate since the previous snapshot.
std::string format_status(const RunReport& now, const RunReport& prev, double interval_s);
// The same figures as one JSON object with plain field names.
std::string report_json(const RunReport& r);

}  // namespace riptide
