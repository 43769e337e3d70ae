// Sketches of two halves of a stream, merged, against one sketch of the whole stream: what
// per-thread heavy hitters rely on to give one answer whatever --threads is.
#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <unordered_map>
#include <vector>

#include "riptide/analyze/sketch.hpp"

namespace riptide {
namespace {

struct U32Hash {
  std::uint64_t operator()(std::uint32_t k) const noexcept { return sketch_mix(k); }
};

// A skewed stream: key i weighs about 1/i of key 1, weights vary per item.
std::vector<std::pair<std::uint32_t, std::uint64_t>> stream(std::size_t n, std::uint32_t keys, unsigned seed) {
  std::mt19937 rng(seed);
  std::vector<std::pair<std::uint32_t, std::uint64_t>> v;
  std::vector<double> w(keys);
  for (std::uint32_t i = 0; i < keys; ++i) w[i] = 1.0 / (i + 1);
  std::discrete_distribution<std::uint32_t> pick(w.begin(), w.end());
  std::uniform_int_distribution<std::uint64_t> size(60, 1500);
  for (std::size_t i = 0; i < n; ++i) v.emplace_back(pick(rng) + 1000, size(rng));
  return v;
}

TEST(SketchMerge, CountMinOfTwoHalvesEqualsCountMinOfAll) {
  const auto s = stream(20000, 3000, 1);
  CountMin all(256, 4), a(256, 4), b(256, 4);
  for (std::size_t i = 0; i < s.size(); ++i) {
    const std::uint64_t h = sketch_mix(s[i].first);
    all.add(h, s[i].second);
    (i % 2 ? a : b).add(h, s[i].second);
  }
  ASSERT_TRUE(a.merge(b));
  EXPECT_EQ(a.total(), all.total());
  for (std::uint32_t k = 1000; k < 4000; ++k) ASSERT_EQ(a.estimate(sketch_mix(k)), all.estimate(sketch_mix(k))) << k;
  CountMin other(512, 4);
  EXPECT_FALSE(a.merge(other));  // another shape: refused, nothing changed
  EXPECT_EQ(a.total(), all.total());
}

TEST(SketchMerge, SpaceSavingHalvesGiveTheTopOfOneSummaryWhileExact) {
  using SS = SpaceSaving<std::uint32_t, 4096, U32Hash>;
  const auto s = stream(50000, 2000, 2);  // fewer keys than counters: every count exact
  auto all = std::make_unique<SS>(), a = std::make_unique<SS>(), b = std::make_unique<SS>();
  for (std::size_t i = 0; i < s.size(); ++i) {
    all->add(s[i].first, s[i].second);
    (i % 3 == 0 ? *a : *b).add(s[i].first, s[i].second);
  }
  std::vector<SS::Entry> one(20), two(20);
  const SS* whole[] = {all.get()};
  const SS* halves[] = {a.get(), nullptr, b.get()};  // a null part is skipped
  ASSERT_EQ(merged_top<SS>(whole, one), 20u);
  ASSERT_EQ(merged_top<SS>(halves, two), 20u);
  for (std::size_t i = 0; i < 20; ++i) {
    EXPECT_EQ(two[i].key, one[i].key) << i;
    EXPECT_EQ(two[i].count, one[i].count) << i;
    EXPECT_EQ(two[i].error, 0u) << i;
  }
  // And the same ranking as the one summary's own top().
  std::vector<SS::Entry> own(20);
  ASSERT_EQ(all->top(own), 20u);
  for (std::size_t i = 0; i < 20; ++i) EXPECT_EQ(own[i].count, two[i].count) << i;
}

TEST(SketchMerge, FullSummariesKeepTheirBoundsWhenMerged) {
  using SS = SpaceSaving<std::uint32_t, 64, U32Hash>;
  const auto s = stream(40000, 5000, 3);  // far more keys than counters
  std::unordered_map<std::uint32_t, std::uint64_t> truth;
  auto a = std::make_unique<SS>(), b = std::make_unique<SS>();
  for (std::size_t i = 0; i < s.size(); ++i) {
    truth[s[i].first] += s[i].second;
    (i % 2 ? *a : *b).add(s[i].first, s[i].second);
  }
  ASSERT_GT(a->min_count(), 0u);
  std::vector<SS::Entry> top(10);
  const SS* parts[] = {a.get(), b.get()};
  ASSERT_EQ(merged_top<SS>(parts, top), 10u);
  for (const auto& e : top) {
    const std::uint64_t t = truth.at(e.key);
    EXPECT_LE(e.count - e.error, t) << e.key;
    EXPECT_GE(e.count, t) << e.key;
  }
  // The heaviest key (weight about 1/H(5000) of the stream) is found first.
  EXPECT_EQ(top[0].key, 1000u);
  for (std::size_t i = 1; i < top.size(); ++i) EXPECT_GE(top[i - 1].count, top[i].count);
}

}  // namespace
}  // namespace riptide
