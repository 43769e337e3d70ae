// The search on synthetic consumers whose capacity is known exactly.
#include <gtest/gtest.h>

#include <map>

#include "labbench/rate_search.hpp"

namespace riptide::labbench {
namespace {

SearchConfig cfg(double precision = 0.02, unsigned repeats = 2) {
  SearchConfig c;
  c.min_rate = 50'000;
  c.max_rate = 2'000'000;
  c.precision = precision;
  c.repeats = repeats;
  return c;
}

TEST(RateSearch, ConvergesToCapacityWithinPrecision) {
  for (double cap : {60'000.0, 123'456.0, 437'000.0, 999'999.0, 1'500'000.0, 1'999'000.0}) {
    SCOPED_TRACE(cap);
    std::vector<double> tried;
    const auto r = search_max_lossless(cfg(), [&](double rate, unsigned) {
      tried.push_back(rate);
      return TrialOutcome{rate <= cap, false};
    });
    EXPECT_FALSE(r.failed);
    EXPECT_FALSE(r.lossless_at_top);
    EXPECT_FALSE(r.below_range);
    EXPECT_LE(r.max_lossless, cap);
    EXPECT_GT(r.lowest_lossy, cap);
    EXPECT_GE(r.max_lossless, cap * (1 - 0.02));
    EXPECT_LE(r.lowest_lossy - r.max_lossless, 0.02 * r.lowest_lossy);
    EXPECT_EQ(tried.front(), 2'000'000) << "the top of the range is tried first";
    EXPECT_LT(tried.size(), 40u) << "a bisection, not a sweep";
  }
}

TEST(RateSearch, EveryRepeatMustBeLossless) {
  // Lossless up to 400k; between 400k and 800k only the first run of a rate is clean.
  std::map<double, unsigned> runs;
  const auto r = search_max_lossless(cfg(0.02, 3), [&](double rate, unsigned repeat) {
    ++runs[rate];
    const bool ok = rate <= 400'000 || (rate <= 800'000 && repeat == 0);
    return TrialOutcome{ok, false};
  });
  EXPECT_LE(r.max_lossless, 400'000);
  EXPECT_GE(r.max_lossless, 400'000 * 0.98);
  for (const auto& s : r.steps) {
    if (s.outcome.lossless && s.repeat == 2) {
      EXPECT_LE(s.rate, 400'000);
    }
  }
  // A lossless rate ran all three repeats; a flaky one stopped at its first loss.
  EXPECT_EQ(runs[r.max_lossless], 3u);
  EXPECT_EQ(runs[r.lowest_lossy], r.lowest_lossy <= 800'000 ? 2u : 1u);
}

TEST(RateSearch, CapsAtGeneratorCeiling) {
  auto c = cfg();
  c.generator_ceiling = 612'345.6;
  double highest = 0;
  const auto r = search_max_lossless(c, [&](double rate, unsigned) {
    highest = std::max(highest, rate);
    return TrialOutcome{rate <= 1'000'000, false};
  });
  EXPECT_TRUE(r.capped_by_generator);
  EXPECT_TRUE(r.lossless_at_top);
  EXPECT_EQ(r.max_lossless, 612'345);
  EXPECT_EQ(highest, 612'345) << "nothing above the ceiling is offered";
  EXPECT_EQ(r.steps.size(), 2u) << "two lossless repeats at the top end the search";
}

TEST(RateSearch, CeilingAboveRangeDoesNotCap) {
  auto c = cfg();
  c.generator_ceiling = 5'000'000;
  const auto r = search_max_lossless(c, [&](double rate, unsigned) { return TrialOutcome{rate <= 300'000, false}; });
  EXPECT_FALSE(r.capped_by_generator);
  EXPECT_EQ(r.top, 2'000'000);
  EXPECT_GE(r.max_lossless, 300'000 * 0.98);
  EXPECT_LE(r.max_lossless, 300'000);
}

TEST(RateSearch, CapacityBelowRange) {
  const auto r = search_max_lossless(cfg(), [&](double rate, unsigned) { return TrialOutcome{rate <= 10'000, false}; });
  EXPECT_TRUE(r.below_range);
  EXPECT_EQ(r.max_lossless, 0);
  EXPECT_EQ(r.lowest_lossy, 50'000);
  EXPECT_EQ(r.steps.size(), 2u);  // top once, bottom once: both lost at the first run
}

TEST(RateSearch, FailedTrialStopsTheSearch) {
  unsigned calls = 0;
  const auto r = search_max_lossless(cfg(), [&](double rate, unsigned) {
    ++calls;
    if (rate < 2'000'000 && rate > 50'000) return TrialOutcome{false, true};
    return TrialOutcome{rate <= 500'000, false};
  });
  EXPECT_TRUE(r.failed);
  EXPECT_EQ(calls, 4u);  // top (lossy), bottom x2 (lossless), first bisection step (failed)
}

TEST(RateSearch, CoarsePrecisionTakesFewTrials) {
  auto c = cfg(0.25, 1);
  c.min_rate = 10'000;
  c.max_rate = 40'000;
  const auto r = search_max_lossless(c, [&](double rate, unsigned) { return TrialOutcome{rate <= 27'000, false}; });
  EXPECT_LE(r.max_lossless, 27'000);
  EXPECT_GE(r.max_lossless, 27'000 * 0.75);
  EXPECT_LE(r.steps.size(), 5u);
}

}  // namespace
}  // namespace riptide::labbench
