#pragma once
// The engine: opens the sources, runs capture and packet threads in the chosen topology,
// drives the analyzers, prints live status and builds the final report.
#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "riptide/analyze/analyzer.hpp"
#include "riptide/core/result.hpp"
#include "riptide/engine/engine_config.hpp"
#include "riptide/engine/run_report.hpp"

namespace riptide {

// The block timeout of a live capture whose user set none: the smallest delay the analyzers
// accept (AnalyzerFactory::max_packet_delay), clamped to what --block-timeout allows, or the
// default when there is no analyzer. `why` says which analyzer decided, for the start-up text.
struct BlockTimeoutChoice {
  std::uint32_t ms = 10;
  std::string why;
};
BlockTimeoutChoice choose_block_timeout(std::span<const std::unique_ptr<AnalyzerFactory>> analyzers);

class Engine {
 public:
  // Opens everything (sources, filter, outputs) so that configuration and permission
  // problems surface here, before any thread starts. Errors are one line.
  static Result<std::unique_ptr<Engine>> create(const EngineConfig& cfg,
                                                std::vector<std::unique_ptr<AnalyzerFactory>> analyzers);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // What will run and why (ring plan, topology, threads): printed before run().
  std::string banner() const;

  // Runs until the input ends, -c/--duration is reached, or request_stop(). Then drains
  // the rings, stops the analyzers, flushes outputs and returns the final report.
  // An Error only for a fault that stopped the run (lost interface with exit_on_iface_loss);
  // faults in a file are in report.errors with everything before them processed.
  Result<RunReport> run();

  // Async-signal-safe: counts a stop request and wakes the watching thread (one futex call).
  // The first stops the run cleanly (drain, stop analyzers, flush outputs); a second one ends
  // run() within 2 s even if an analyzer never returns, with the report of what is known.
  void request_stop() noexcept;
  // Async-signal-safe: the watching thread prints the report so far to stderr (SIGUSR1).
  void request_report() noexcept;
  // Async-signal-safe: -w closes its file and opens it again under its name (SIGHUP, after
  // logrotate moved it away). The run goes on.
  void request_reopen() noexcept;

  // Snapshot of the figures so far (any thread).
  RunReport snapshot() const;

  struct Impl;

 private:
  explicit Engine(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace riptide
