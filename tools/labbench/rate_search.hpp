#pragma once
// The search for the highest offered rate a capture tool takes without losing a packet.
//
// A rate is lossless only when every one of `repeats` trials at it lost nothing (the first
// lossy repeat ends that rate early). The search tries the top of the range first (when that
// is lossless there is nothing to search: the tool outran everything offered), then the bottom
// (when that loses, the tool is below the range), then bisects between a lossless lower bound
// and a lossy upper bound until they are within `precision` of each other, relative to the
// upper bound. So the true capacity X, if the tool's behaviour is monotonic, ends up in
// [result, upper] with result >= X * (1 - precision).
//
// The top of the range is capped at the generator's own ceiling (measured with nothing
// capturing): above it, offered and achieved rates part and a "loss" would be the sender's.
// The trial itself is a callback, so this runs on synthetic consumers in tests.
#include <cstdint>
#include <functional>
#include <vector>

namespace riptide::labbench {

struct SearchConfig {
  double min_rate = 50'000;
  double max_rate = 2'000'000;
  double precision = 0.02;       // relative: stop when upper - lower <= precision * upper
  unsigned repeats = 2;          // trials per rate, all must be lossless
  double generator_ceiling = 0;  // pps the generator reaches alone; 0: unknown, no cap
};

struct TrialOutcome {
  bool lossless = false;
  bool failed = false;  // the trial could not run (tool crashed, ...): stops the search
};

using TrialFn = std::function<TrialOutcome(double rate, unsigned repeat)>;

struct SearchStep {
  double rate = 0;
  unsigned repeat = 0;
  TrialOutcome outcome;
};

struct SearchResult {
  double max_lossless = 0;       // highest offered rate found lossless; 0: none in range
  double lowest_lossy = 0;       // lowest offered rate found lossy; 0: none
  double top = 0;                // the range's top after the generator cap
  bool capped_by_generator = false;  // generator_ceiling < max_rate
  bool lossless_at_top = false;  // nothing was lost even at the top: the sender is the limit
  bool below_range = false;      // even min_rate lost packets
  bool failed = false;           // a trial failed: the figures above are partial
  std::vector<SearchStep> steps; // every trial, in order
};

SearchResult search_max_lossless(const SearchConfig& cfg, const TrialFn& trial);

}  // namespace riptide::labbench
