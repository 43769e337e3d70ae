#include "labbench/rate_search.hpp"

#include <algorithm>
#include <cmath>

namespace riptide::labbench {

SearchResult search_max_lossless(const SearchConfig& cfg, const TrialFn& trial) {
  SearchResult res;
  const unsigned repeats = std::max(1u, cfg.repeats);
  double top = cfg.max_rate;
  if (cfg.generator_ceiling > 0 && cfg.generator_ceiling < top) {
    top = std::floor(cfg.generator_ceiling);
    res.capped_by_generator = true;
  }
  const double bottom = std::min(cfg.min_rate, top);
  res.top = top;

  // Every repeat at `rate` must be lossless; the first loss settles it.
  auto lossless_at = [&](double rate) {
    for (unsigned r = 0; r < repeats; ++r) {
      const TrialOutcome o = trial(rate, r);
      res.steps.push_back({rate, r, o});
      if (o.failed) {
        res.failed = true;
        return false;
      }
      if (!o.lossless) return false;
    }
    return true;
  };

  if (lossless_at(top)) {
    res.max_lossless = top;
    res.lossless_at_top = true;
    return res;
  }
  if (res.failed) return res;
  res.lowest_lossy = top;
  if (bottom >= top) {
    res.below_range = true;
    return res;
  }
  if (!lossless_at(bottom)) {
    if (!res.failed) {
      res.below_range = true;
      res.lowest_lossy = bottom;
    }
    return res;
  }
  double lo = bottom, hi = top;
  const double precision = std::clamp(cfg.precision, 1e-4, 0.99);
  while (hi - lo > precision * hi) {
    const double mid = std::round((lo + hi) / 2);
    if (mid <= lo || mid >= hi) break;  // rates are whole packets per second
    if (lossless_at(mid)) {
      lo = mid;
    } else {
      if (res.failed) break;
      hi = mid;
    }
  }
  res.max_lossless = lo;
  res.lowest_lossy = hi;
  return res;
}

}  // namespace riptide::labbench
