#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <unordered_map>
#include <vector>

#include "riptide/analyze/sketch.hpp"

namespace riptide {
namespace {

struct U32Hash {
  std::uint64_t operator()(std::uint32_t k) const noexcept { return sketch_mix(k); }
};
// Every key lands on one of three home slots: long probe chains, many backward shifts.
struct CollidingHash {
  std::uint64_t operator()(std::uint32_t k) const noexcept { return k % 3; }
};

template <class SS>
void expect_invariants(const SS& ss, const std::unordered_map<std::uint32_t, std::uint64_t>& truth) {
  std::uint64_t sum = 0;
  for (const auto& e : ss.entries()) {
    sum += e.count;
    const auto it = truth.find(e.key);
    ASSERT_NE(it, truth.end()) << "monitored key never added: " << e.key;
    EXPECT_LE(e.count - e.error, it->second) << "key " << e.key;
    EXPECT_GE(e.count, it->second) << "key " << e.key;
    const auto* f = ss.find(e.key);
    ASSERT_NE(f, nullptr) << "monitored key not found by lookup: " << e.key;
    EXPECT_EQ(f->count, e.count);
  }
  EXPECT_EQ(sum, ss.total());
  for (const auto& [k, w] : truth)
    if (ss.find(k) == nullptr) {
      EXPECT_LE(w, ss.min_count()) << "unmonitored key " << k;
    }
}

TEST(SpaceSaving, ExactWhileUnderCapacity) {
  auto ss = std::make_unique<SpaceSaving<std::uint32_t, 64, U32Hash>>();
  std::unordered_map<std::uint32_t, std::uint64_t> truth;
  for (std::uint32_t i = 0; i < 1000; ++i) {
    const std::uint32_t k = i % 50;
    ss->add(k, k + 1);
    truth[k] += k + 1;
  }
  EXPECT_EQ(ss->size(), 50u);
  EXPECT_EQ(ss->min_count(), 0u);
  for (const auto& e : ss->entries()) {
    EXPECT_EQ(e.error, 0u);
    EXPECT_EQ(e.count, truth[e.key]);
  }
  std::array<SpaceSaving<std::uint32_t, 64, U32Hash>::Entry, 3> top;
  ASSERT_EQ(ss->top(top), 3u);
  EXPECT_EQ(top[0].key, 49u);
  EXPECT_EQ(top[1].key, 48u);
  EXPECT_EQ(top[2].key, 47u);
  EXPECT_EQ(ss->find(77), nullptr);
}

TEST(SpaceSaving, FindsExactTopKOfSkewedStream) {
  // 10 heavy keys with known weights, interleaved at random with 5000 light keys: the light
  // keys keep evicting each other, the heavy ones must all survive in the right order.
  constexpr std::uint32_t kHeavy = 10;
  std::vector<std::uint32_t> stream;
  std::unordered_map<std::uint32_t, std::uint64_t> truth;
  for (std::uint32_t h = 0; h < kHeavy; ++h)
    for (std::uint32_t i = 0; i < 2000 - 150 * h; ++i) stream.push_back(1'000'000 + h);
  for (std::uint32_t l = 0; l < 5000; ++l)
    for (std::uint32_t i = 0; i < 1 + l % 4; ++i) stream.push_back(l);
  std::mt19937 rng(42);
  std::shuffle(stream.begin(), stream.end(), rng);

  auto ss = std::make_unique<SpaceSaving<std::uint32_t, 256, U32Hash>>();
  for (const std::uint32_t k : stream) {
    const std::uint64_t w = 100 + (k % 7);  // byte-like weights
    ss->add(k, w);
    truth[k] += w;
  }
  expect_invariants(*ss, truth);

  std::array<SpaceSaving<std::uint32_t, 256, U32Hash>::Entry, kHeavy> top;
  ASSERT_EQ(ss->top(top), kHeavy);
  for (std::uint32_t i = 0; i < kHeavy; ++i) {
    EXPECT_EQ(top[i].key, 1'000'000 + i) << "rank " << i;
    // The heavy keys' estimates are close: error at most N / capacity.
    EXPECT_LE(top[i].error, ss->total() / 256);
  }
}

TEST(SpaceSaving, ErrorBoundsHoldUnderHeavyCollisions) {
  auto ss = std::make_unique<SpaceSaving<std::uint32_t, 16, CollidingHash>>();
  std::unordered_map<std::uint32_t, std::uint64_t> truth;
  std::mt19937 rng(7);
  for (int i = 0; i < 20000; ++i) {
    const std::uint32_t k = rng() % 64;
    const std::uint64_t w = 1 + rng() % 1500;
    ss->add(k, w);
    truth[k] += w;
    if (i % 997 == 0) {
      expect_invariants(*ss, truth);
      if (HasFailure()) return;
    }
  }
  expect_invariants(*ss, truth);
  EXPECT_EQ(ss->size(), 16u);
}

TEST(SpaceSaving, ClearForgetsEverything) {
  auto ss = std::make_unique<SpaceSaving<std::uint32_t, 8, U32Hash>>();
  for (std::uint32_t i = 0; i < 100; ++i) ss->add(i, 5);
  ss->clear();
  EXPECT_EQ(ss->size(), 0u);
  EXPECT_EQ(ss->total(), 0u);
  EXPECT_EQ(ss->find(99), nullptr);
  ss->add(3, 7);
  ASSERT_NE(ss->find(3), nullptr);
  EXPECT_EQ(ss->find(3)->count, 7u);
}

TEST(CountMin, NeverUnderestimatesAndMostlyWithinBound) {
  CountMin cm(256, 4);
  EXPECT_EQ(cm.width(), 256u);
  std::unordered_map<std::uint64_t, std::uint64_t> truth;
  std::mt19937_64 rng(3);
  for (int i = 0; i < 200000; ++i) {
    // Skewed: low keys are much more frequent.
    const std::uint64_t k = rng() % (1 + rng() % 5000);
    const std::uint64_t w = 1 + rng() % 100;
    cm.add(sketch_mix(k), w);
    truth[k] += w;
  }
  const double bound = std::exp(1.0) / cm.width() * static_cast<double>(cm.total());
  std::size_t over = 0;
  for (const auto& [k, w] : truth) {
    const std::uint64_t est = cm.estimate(sketch_mix(k));
    ASSERT_GE(est, w) << "key " << k;
    if (static_cast<double>(est - w) > bound) ++over;
  }
  // exp(-4) ~ 1.8 % may exceed the bound; allow some slack, but far less than all.
  EXPECT_LT(static_cast<double>(over), 0.05 * static_cast<double>(truth.size()));
  cm.clear();
  EXPECT_EQ(cm.estimate(sketch_mix(1)), 0u);
  EXPECT_EQ(cm.total(), 0u);
}

TEST(CountMin, RoundsWidthAndClampsDepth) {
  CountMin a(1000, 0);
  EXPECT_EQ(a.width(), 1024u);
  EXPECT_EQ(a.depth(), 1u);
  CountMin b(0, 99);
  EXPECT_EQ(b.width(), 1u);
  EXPECT_EQ(b.depth(), CountMin::kMaxDepth);
  b.add(5, 3);
  b.add(6, 4);
  EXPECT_EQ(b.estimate(5), 7u);  // one cell: everything collides, still an upper bound
}

TEST(Entropy, UniformSingleAndEmpty) {
  std::vector<std::uint64_t> h(4096, 0);
  EXPECT_EQ(shannon_entropy_bits(h), 0.0);
  h[17] = 1000;
  EXPECT_DOUBLE_EQ(shannon_entropy_bits(h), 0.0);
  h[18] = 1000;
  EXPECT_NEAR(shannon_entropy_bits(h), 1.0, 1e-12);
  std::fill(h.begin(), h.end(), 0);
  for (std::size_t i = 0; i < 256; ++i) h[i * 16] = 77;
  EXPECT_NEAR(shannon_entropy_bits(h), 8.0, 1e-9);
  std::fill(h.begin(), h.end(), 5);
  EXPECT_NEAR(shannon_entropy_bits(h), 12.0, 1e-9);
  // Skewed: 90 % on one value is far below uniform.
  std::fill(h.begin(), h.end(), 0);
  h[0] = 900;
  for (std::size_t i = 1; i <= 100; ++i) h[i] = 1;
  const double e = shannon_entropy_bits(h);
  EXPECT_GT(e, 0.5);
  EXPECT_LT(e, 1.5);
}

}  // namespace
}  // namespace riptide
