// FixedMap: insert/find, full-map refusal (counted), clear in O(keys), colliding keys.
#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <random>

#include "riptide/analyze/fixed_map.hpp"
#include "riptide/analyze/sketch.hpp"

namespace riptide {
namespace {

struct BadHash {  // every key in one bucket: probing must still find each
  std::size_t operator()(std::uint32_t) const noexcept { return 7; }
};

TEST(FixedMap, UpsertFindAndForEach) {
  FixedMap<std::uint32_t, std::uint64_t, 8> m;
  EXPECT_TRUE(m.empty());
  *m.upsert(5) += 10;
  *m.upsert(9) += 1;
  *m.upsert(5) += 10;
  EXPECT_EQ(m.size(), 2u);
  ASSERT_NE(m.find(5), nullptr);
  EXPECT_EQ(*m.find(5), 20u);
  EXPECT_EQ(m.find(6), nullptr);
  std::map<std::uint32_t, std::uint64_t> seen;
  m.for_each([&](std::uint32_t k, std::uint64_t v) { seen[k] = v; });
  EXPECT_EQ(seen, (std::map<std::uint32_t, std::uint64_t>{{5, 20}, {9, 1}}));
}

TEST(FixedMap, FullMapRefusesNewKeysOnlyAndCounts) {
  FixedMap<std::uint32_t, int, 4> m;
  for (std::uint32_t k = 0; k < 4; ++k) ASSERT_NE(m.upsert(k), nullptr);
  EXPECT_EQ(m.upsert(100), nullptr);
  EXPECT_EQ(m.upsert(101), nullptr);
  EXPECT_NE(m.upsert(2), nullptr);  // an existing key still updates
  EXPECT_EQ(m.refused(), 2u);
  EXPECT_EQ(m.size(), 4u);
}

TEST(FixedMap, ClearEmptiesAndResetsValues) {
  FixedMap<std::uint32_t, int, 4, BadHash> m;
  for (std::uint32_t k = 0; k < 4; ++k) *m.upsert(k) = static_cast<int>(k) + 1;
  for (std::uint32_t k = 0; k < 4; ++k) EXPECT_EQ(*m.find(k), static_cast<int>(k) + 1);
  m.clear();
  EXPECT_TRUE(m.empty());
  for (std::uint32_t k = 0; k < 4; ++k) EXPECT_EQ(m.find(k), nullptr);
  EXPECT_EQ(*m.upsert(3), 0);  // a key back after clear starts from Value{}
}

TEST(FixedMap, MatchesStdMapOnRandomIpKeys) {
  FixedMap<IpAddr, std::uint64_t, 1024, IpAddrHash> m;
  std::map<IpAddr, std::uint64_t> ref;
  std::mt19937 rng(42);
  for (int i = 0; i < 20000; ++i) {
    const std::uint32_t x = rng() % 900;
    std::uint8_t b[4] = {10, static_cast<std::uint8_t>(x >> 8), static_cast<std::uint8_t>(x), 1};
    const IpAddr a = IpAddr::from_v4(b);
    auto* v = m.upsert(a);
    ASSERT_NE(v, nullptr);
    *v += i;
    ref[a] += static_cast<std::uint64_t>(i);
  }
  EXPECT_EQ(m.size(), ref.size());
  for (const auto& [k, v] : ref) EXPECT_EQ(*m.find(k), v);
  auto copy = m;  // a snapshot handed off the packet path
  m.clear();
  EXPECT_EQ(copy.size(), ref.size());
}

}  // namespace
}  // namespace riptide
