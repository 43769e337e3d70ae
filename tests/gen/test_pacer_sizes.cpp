#include <gtest/gtest.h>

#include <map>
#include <vector>

#include "riptide/gen/pacer.hpp"
#include "riptide/gen/size_mix.hpp"

namespace riptide::gen {
namespace {

// Drives a pacer like the generator does: acquire a granule, then "send" it, which costs
// cost_ns per frame on the fake clock. Returns the achieved rate.
double achieved(double rate, std::uint32_t granule, std::int64_t cost_ns, std::uint64_t frames,
                std::int64_t hiccup_every = 0, std::int64_t hiccup_ns = 0) {
  VirtualClock clk;
  clk.advance(123456789);  // arbitrary origin
  Pacer p({rate, 0.002}, clk);
  p.start();
  const std::int64_t t0 = clk.now_ns();
  std::uint64_t sent = 0, steps = 0;
  while (sent < frames) {
    const std::uint32_t n = std::uint32_t(std::min<std::uint64_t>(granule, frames - sent));
    p.acquire(n);
    clk.advance(cost_ns * n);
    sent += n;
    if (hiccup_every && ++steps % std::uint64_t(hiccup_every) == 0) clk.advance(hiccup_ns);
  }
  return double(sent) / (double(clk.now_ns() - t0) / 1e9);
}

TEST(Pacer, WithinOnePercentFrom10kppsToCeiling) {
  // Sending costs 100 ns/frame: the ceiling is 10 Mpps.
  for (double rate : {10e3, 20e3, 100e3, 1e6, 5e6, 9.9e6}) {
    const double got = achieved(rate, 64, 100, std::uint64_t(rate) * 2);
    EXPECT_NEAR(got, rate, rate * 0.01) << rate;
  }
  // Above the ceiling: the pacer never waits, the sender runs flat out.
  EXPECT_NEAR(achieved(50e6, 64, 100, 1'000'000), 10e6, 10e6 * 0.01);
}

TEST(Pacer, RecoversShortStallsWithoutDrift) {
  // A 1 ms hiccup every 100 batches (a preempted sender) is within the 2 ms depth: made up.
  const double got = achieved(100e3, 64, 100, 200'000, 100, 1'000'000);
  EXPECT_NEAR(got, 100e3, 100e3 * 0.01);
}

TEST(Pacer, ForgetsStallsLongerThanDepth) {
  // 50 ms stalls cannot be made up (depth 2 ms): the average falls below the request.
  const double got = achieved(100e3, 64, 100, 200'000, 100, 50'000'000);
  EXPECT_LT(got, 100e3 * 0.8);
}

TEST(Pacer, BurstSendsBackToBackThenWaits) {
  VirtualClock clk;
  Pacer p({100e3, 0.002}, clk);  // 10 us per frame
  p.start();
  std::vector<std::int64_t> at;
  for (int i = 0; i < 5; ++i) {
    p.acquire(1000);  // burst of 1000
    at.push_back(clk.now_ns());
    clk.advance(1000 * 50);  // the burst takes 50 us
  }
  for (std::size_t i = 0; i < at.size(); ++i) EXPECT_EQ(at[i], std::int64_t(i + 1) * 10'000'000);
}

TEST(Pacer, UnpacedNeverSleeps) {
  VirtualClock clk;
  Pacer p({0, 0.002}, clk);
  p.start();
  for (int i = 0; i < 100; ++i) p.acquire(64);
  EXPECT_EQ(clk.sleeps(), 0u);
  EXPECT_EQ(p.taken(), 6400u);
}

TEST(SizeMix, ImixIsSevenFourOneInterleaved) {
  SizeMix m = SizeMix::imix();
  std::map<std::uint32_t, int> n;
  std::vector<std::uint32_t> first12;
  for (int i = 0; i < 1200; ++i) {
    const auto s = m.next();
    ++n[s];
    if (i < 12) first12.push_back(s);
  }
  EXPECT_EQ(n[60], 700);
  EXPECT_EQ(n[590], 400);
  EXPECT_EQ(n[1514], 100);
  EXPECT_EQ(m.min(), 60u);
  EXPECT_EQ(m.max(), 1514u);
  EXPECT_NEAR(m.mean(), (7 * 60 + 4 * 590 + 1514) / 12.0, 1e-9);
  // Interleaved: never three 590s or eight 60s in a row.
  int run = 0;
  for (std::size_t i = 1; i < first12.size(); ++i) {
    run = first12[i] == first12[i - 1] ? run + 1 : 0;
    EXPECT_LT(run, 2);
  }
}

TEST(SizeMix, UniformBoundsAndSeed) {
  SizeMix a = SizeMix::uniform(64, 800, 7), b = SizeMix::uniform(64, 800, 7), c = SizeMix::uniform(64, 800, 8);
  bool differs = false;
  std::uint32_t lo = 10000, hi = 0;
  for (int i = 0; i < 100000; ++i) {
    const auto x = a.next();
    EXPECT_EQ(x, b.next());
    differs |= x != c.next();
    lo = std::min(lo, x);
    hi = std::max(hi, x);
  }
  EXPECT_TRUE(differs);
  EXPECT_EQ(lo, 64u);
  EXPECT_EQ(hi, 800u);
}

TEST(SizeMix, ParseList) {
  auto m = SizeMix::parse_list("100:3,200");
  ASSERT_TRUE(m.ok());
  std::map<std::uint32_t, int> n;
  for (int i = 0; i < 400; ++i) ++n[m->next()];
  EXPECT_EQ(n[100], 300);
  EXPECT_EQ(n[200], 100);
  for (const char* bad : {"", "abc", "100:", "100:0", "100,,200", "100:2x", "0"})
    EXPECT_FALSE(SizeMix::parse_list(bad).ok()) << bad;
}

}  // namespace
}  // namespace riptide::gen
