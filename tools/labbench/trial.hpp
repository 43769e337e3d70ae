#pragma once
// One trial: start the tool pinned to its CPU, wait until its packet socket is bound, send
// `seconds` of traffic at a rate from the namespace, let the tool drain, stop it with SIGINT,
// and read what it received. CPU per packet is the tool's utime+stime between "ready" and
// just before the stop, divided by the packets it received.
#include <atomic>
#include <cstdint>
#include <optional>
#include <string>

#include "riptide/core/result.hpp"
#include "labbench/capture_tool.hpp"

namespace riptide::labbench {

// Set by the bench's SIGINT/SIGTERM handlers; every wait in a trial polls it.
std::atomic<bool>& stop_flag() noexcept;

struct GenSettings {
  std::string self_exe;
  std::string ns, iface;  // the sender's side of the pair
  std::uint32_t size = 200, flows = 1000;
  double seconds = 3;
  int cpu = 0;
};

struct GenRun {
  std::uint64_t sent = 0;
  double pps = 0, elapsed_s = 0;
};

// Runs `riptide gen` in the namespace; rate 0 means --max-rate. Output in dir/gen.{out,err}.
Result<GenRun> run_gen(const GenSettings& g, double rate, const std::string& dir);

struct TrialRecord {
  std::string tool;
  double offered = 0;
  unsigned repeat = 0;
  double achieved = 0;
  std::uint64_t sent = 0, received = 0, lost = 0;
  double loss_pct = 0;
  double cpu_ns_per_pkt = 0;
  ToolFigures fig;
  bool lossless = false;
  std::string error;  // the trial could not be run
};

TrialRecord run_trial(const CaptureTool& tool, const TrialEnv& env, unsigned ifindex, const GenSettings& gen,
                      double rate, unsigned repeat);

// Parses the JSON line of `riptide gen --json`.
Result<GenRun> parse_gen_json(const std::string& text);

}  // namespace riptide::labbench
