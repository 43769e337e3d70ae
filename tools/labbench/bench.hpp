#pragma once
// `riptide bench`: for each tool, the highest rate it captures without loss on a veth pair,
// found by search_max_lossless() over real trials, after measuring the generator's ceiling.
#include <string>
#include <vector>

#include "riptide/core/result.hpp"
#include "labbench/rate_search.hpp"
#include "labbench/trial.hpp"

namespace riptide::labbench {

struct BenchOptions {
  std::vector<std::string> tools{"riptide"};  // riptide first, then --compare
  std::string analyzers;          // --analyzers for riptide ("" : its default, the flow meter)
  std::string topology = "workers";
  std::uint32_t size = 200, flows = 1000;
  double trial_seconds = 3;
  SearchConfig search;            // min/max rate, precision, repeats (the ceiling is measured)
  std::string out_dir = "bench-out";
  int gen_cpu = 0, capture_cpu = 1;
  std::string self_exe;           // absolute path of riptide
  std::string command_line;       // as typed, for the report
};

struct ToolResult {
  std::string tool;
  std::string how_counted;
  SearchResult search;
  std::vector<TrialRecord> trials;
  // The trial that established max_lossless (nullptr: none).
  const TrialRecord* best() const noexcept;
};

struct BenchSummary {
  BenchOptions opts;
  double gen_ceiling_pps = 0;     // the generator alone, nothing capturing
  std::vector<ToolResult> tools;
  std::string machine;            // kernel, CPUs
  bool interrupted = false;
  bool leftovers = false;         // the namespace or link could not be removed
};

// Runs everything; progress lines on stderr. Fails only when nothing could be measured
// (no root, namespace creation failed, the generator does not run).
Result<BenchSummary> run_bench(const BenchOptions& opts);

}  // namespace riptide::labbench
