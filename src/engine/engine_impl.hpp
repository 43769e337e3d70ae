#pragma once
// The engine's private state, shared by the files that each do one of its jobs:
//   sources.cpp        opening inputs, outputs and the transmit path; interface loss
//   capture_loop.cpp   the capture threads: batches, filter, -c, -w, decode, analyzers
//   dispatch_handler   the dispatch workers' side of the analyzers
//   metrics_setup.cpp  registering every figure once in the metrics registry
//   collect.cpp        the RunReport view of a registry snapshot
//   watch.cpp          the main thread: stop conditions, status, stats lines, signals
//   engine.cpp         create() and run(): the order of all of the above
#include <array>
#include <cstdio>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "engine/analyzer_set.hpp"
#include "engine/capture_counters.hpp"
#include "riptide/capture/iface_stats.hpp"
#include "riptide/core/metrics.hpp"
#include "riptide/decode/decoder.hpp"
#include "riptide/dispatch/dispatcher.hpp"
#include "riptide/engine/engine.hpp"
#include "riptide/file/capture_file.hpp"
#include "riptide/file/packet_output.hpp"
#include "riptide/filter/bpf_filter.hpp"
#include "riptide/filter/link_filter.hpp"
#include "riptide/transmit/tx_thread.hpp"

namespace riptide {

class MetricsServer;

namespace engine {
using Clock = std::chrono::steady_clock;
constexpr auto kPollTimeout = std::chrono::milliseconds(100);
constexpr TimestampNs kTickNs = 100'000'000;
}  // namespace engine

struct Engine::Impl {
  EngineConfig cfg;
  std::vector<std::unique_ptr<AnalyzerFactory>> factories;

  // Sources: one per capture thread.
  std::vector<std::unique_ptr<PacketSource>> sources;
  std::string ring_note;  // live AF_PACKET: how the ring was sized, for the banner
  std::string worker_queue_note;  // live dispatch: how the worker queues were sized
  CaptureFile* file = nullptr;
  std::uint64_t file_size = 0;            // for progress; 0 when unknown (a pipe)
  std::optional<LinkFilter> user_filter;  // files: the filter runs here, not in a kernel
  std::unique_ptr<PacketOutput> output;  // -w: its own thread, fed by one queue per capture thread
  LinkType link = LinkType::ethernet;

  // Services offered to analyzers through their context.
  std::unique_ptr<OffloadPool> pool;
  InterfaceInfo iface_info;  // the capture interface, for analyzers that send
  std::unique_ptr<TxQueue> txq;
  std::unique_ptr<TxThread> tx;
  std::string tx_iface;
  std::string block_timeout_why;  // live: where capture.block_timeout_ms came from
  TxStats tx_final{};             // socket counters, read once the transmit thread stopped
  std::atomic<bool> tx_stopped{false};

  std::unique_ptr<Dispatcher> dispatcher;
  struct Handler;
  std::unique_ptr<Handler> handler;

  // One AnalyzerSet per packet thread (capture threads in `workers`, workers in `dispatch`),
  // with what its thread last published for readers on other threads.
  std::vector<std::unique_ptr<engine::AnalyzerSet>> sets;
  std::vector<std::unique_ptr<engine::PublishedAnalyzers>> published;
  std::vector<std::unique_ptr<engine::CaptureCounters>> counters;  // per capture thread
  std::vector<std::unique_ptr<engine::PublishedDecode>> decode;     // per capture thread
  std::vector<std::atomic<std::uint64_t>> worker_processed;         // per dispatch worker
  std::atomic<std::uint64_t> file_bytes_read{0};

  std::FILE* stats_out = nullptr;  // --stats-json, opened at create so a bad path fails at start
  MetricsRegistry metrics;
  std::unique_ptr<MetricsServer> metrics_server;

  std::vector<std::string> errors;
  mutable std::mutex errors_mu;

  std::atomic<bool> stopping{false};     // finish: drain and stop (signal, -c, duration)
  std::atomic<bool> fatal{false};
  std::atomic<std::uint64_t> remaining;  // -c budget
  std::atomic<unsigned> capture_running{0};
  std::atomic<std::uint32_t> main_wake{0};  // futex word of the watching thread
  // Signals (async-signal-safe writers): stop requests counted, so the second one forces the
  // end; a report request (SIGUSR1) is answered by the watching thread.
  std::atomic<unsigned> stop_requests{0};
  std::atomic<bool> report_requested{false};
  bool abandoned = false;  // run() returned with threads still running (a forced stop)
  IfaceCounters if_start;
  engine::Clock::time_point started;
  double elapsed_s = 0;
  bool live() const { return cfg.backend != Backend::file; }

  explicit Impl(std::size_t workers);  // in engine.cpp, where Handler and MetricsServer are complete
  ~Impl();

  void add_error(std::string e) {
    std::lock_guard lk(errors_mu);
    errors.push_back(std::move(e));
  }
  std::vector<std::string> errors_copy() const {
    std::lock_guard lk(errors_mu);
    return errors;
  }

  // sources.cpp
  Result<void> open_sources();
  Result<void> open_outputs();
  Result<void> open_tx();
  bool handle_source_error(std::size_t idx, engine::CaptureTotals& t, const Error& e);
  // capture_loop.cpp
  void capture_loop(std::size_t idx);
  void process_batch(std::size_t idx, engine::CaptureTotals& t, PacketBatch& batch,
                     std::array<PacketMeta, PacketBatch::kCapacity>& metas);
  void publish_thread_state(std::size_t set_idx) noexcept;
  void write_stats_line(const RunReport& r);
  // metrics_setup.cpp
  void register_metrics();
  // encap_metrics.cpp: decode figures per encapsulation
  void register_encap_metrics();
  // output_metrics.cpp: every analyzer output's figures (flow sinks, heavy-hitter windows...)
  void register_output_metrics();
  // watch.cpp: the main thread until every capture thread ended, or a forced stop gave up
  // on them (returns false then).
  bool watch();
  // collect.cpp
  RunReport collect(bool final) const;
};

}  // namespace riptide
