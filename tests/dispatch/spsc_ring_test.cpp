#include "riptide/dispatch/spsc_ring.hpp"

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace riptide {
namespace {

// Counts constructions and destructions and detects destroying a dead object.
struct Tracked {
  static inline int constructed = 0;
  static inline int destroyed = 0;
  static inline int bad_destroys = 0;
  static void reset() { constructed = destroyed = bad_destroys = 0; }
  static int alive() { return constructed - destroyed; }

  static constexpr std::uint32_t kLive = 0x11fe11fe;
  std::uint32_t magic;
  int value;
  std::unique_ptr<int> owned;  // non-trivial member: a leak or double free shows under ASan

  explicit Tracked(int v = 0) : magic(kLive), value(v), owned(std::make_unique<int>(v)) { ++constructed; }
  Tracked(const Tracked& o) : magic(kLive), value(o.value), owned(std::make_unique<int>(o.value)) { ++constructed; }
  Tracked(Tracked&& o) noexcept : magic(kLive), value(o.value), owned(std::move(o.owned)) { ++constructed; }
  Tracked& operator=(const Tracked& o) {
    value = o.value;
    owned = std::make_unique<int>(o.value);
    return *this;
  }
  Tracked& operator=(Tracked&& o) noexcept {
    value = o.value;
    owned = std::move(o.owned);
    return *this;
  }
  ~Tracked() {
    if (magic != kLive) ++bad_destroys;
    magic = 0;
    ++destroyed;
  }
};

TEST(SpscRing, CapacityRoundsUpToPowerOfTwo) {
  EXPECT_EQ(SpscRing<int>(0).capacity(), 1u);
  EXPECT_EQ(SpscRing<int>(1).capacity(), 1u);
  EXPECT_EQ(SpscRing<int>(2).capacity(), 2u);
  EXPECT_EQ(SpscRing<int>(3).capacity(), 4u);
  EXPECT_EQ(SpscRing<int>(1000).capacity(), 1024u);
  EXPECT_EQ(SpscRing<int>(1024).capacity(), 1024u);
  EXPECT_EQ(SpscRing<int>(1025).capacity(), 2048u);
}

TEST(SpscRing, EveryRoundedSlotIsUsable) {
  SpscRing<int> r(5);  // 8 slots
  for (int i = 0; i < 8; ++i) EXPECT_TRUE(r.try_push(i)) << i;
  EXPECT_FALSE(r.try_push(99));
  EXPECT_EQ(r.size_approx(), 8u);
  int v = -1;
  for (int i = 0; i < 8; ++i) {
    ASSERT_TRUE(r.try_pop(v));
    EXPECT_EQ(v, i);
  }
  EXPECT_FALSE(r.try_pop(v));
  EXPECT_EQ(r.size_approx(), 0u);
}

TEST(SpscRing, IndicesAreOnSeparateCacheLines) {
  // The object spans whole lines; with three line-aligned parts it needs at least three.
  EXPECT_GE(sizeof(SpscRing<int>), 3 * kCacheLine);
  EXPECT_EQ(alignof(SpscRing<int>), kCacheLine);
}

TEST(SpscRing, FrontAndPop) {
  SpscRing<std::string> r(4);
  EXPECT_EQ(r.front(), nullptr);
  ASSERT_TRUE(r.try_emplace(3, 'x'));
  ASSERT_NE(r.front(), nullptr);
  EXPECT_EQ(*r.front(), "xxx");
  r.pop();
  EXPECT_EQ(r.front(), nullptr);
}

TEST(SpscRing, LifetimeNoLeakNoDoubleDestroy) {
  Tracked::reset();
  {
    SpscRing<Tracked> r(8);
    EXPECT_EQ(Tracked::alive(), 0) << "storage must not construct elements";
    for (int round = 0; round < 50; ++round) {
      for (int i = 0; i < 5; ++i) ASSERT_TRUE(r.try_emplace(round * 10 + i));
      Tracked out;
      for (int i = 0; i < 3; ++i) {
        ASSERT_TRUE(r.try_pop(out));
        EXPECT_EQ(out.value, round * 10 + i);
        ASSERT_NE(out.owned, nullptr);
        EXPECT_EQ(*out.owned, round * 10 + i);
      }
      while (r.front() != nullptr) r.pop();
    }
    EXPECT_EQ(Tracked::alive(), 0);
  }
  EXPECT_EQ(Tracked::alive(), 0);
  EXPECT_EQ(Tracked::bad_destroys, 0);
}

TEST(SpscRing, DestructorDestroysItemsLeftInside) {
  Tracked::reset();
  {
    SpscRing<Tracked> r(8);
    // Move head and tail past the wrap point first so leftovers straddle it.
    for (int i = 0; i < 6; ++i) ASSERT_TRUE(r.try_emplace(i));
    Tracked out;
    for (int i = 0; i < 6; ++i) ASSERT_TRUE(r.try_pop(out));
    for (int i = 0; i < 7; ++i) ASSERT_TRUE(r.try_push(Tracked(100 + i)));
    EXPECT_EQ(Tracked::alive(), 7 + 1);  // 7 inside + `out`
  }
  EXPECT_EQ(Tracked::alive(), 0);
  EXPECT_EQ(Tracked::bad_destroys, 0);
}

TEST(SpscRing, BatchPushPopNonTrivial) {
  Tracked::reset();
  {
    SpscRing<Tracked> r(16);
    std::vector<Tracked> in;
    for (int i = 0; i < 20; ++i) in.emplace_back(i);
    EXPECT_EQ(r.push_batch(in), 16u) << "only what fits";
    EXPECT_EQ(r.push_batch(in), 0u);
    std::vector<Tracked> out(10);
    EXPECT_EQ(r.pop_batch(out), 10u);
    for (int i = 0; i < 10; ++i) EXPECT_EQ(out[static_cast<std::size_t>(i)].value, i);
    EXPECT_EQ(r.push_batch(std::span<const Tracked>(in).subspan(16)), 4u);
    EXPECT_EQ(r.pop_batch(out), 10u);
    for (int i = 0; i < 10; ++i) EXPECT_EQ(out[static_cast<std::size_t>(i)].value, 10 + i);
    EXPECT_EQ(r.size_approx(), 0u);
  }
  EXPECT_EQ(Tracked::alive(), 0);
  EXPECT_EQ(Tracked::bad_destroys, 0);
}

// Pushes and pops batches of every size starting at every slot offset.
TEST(SpscRing, BatchWrapAtEveryOffset) {
  constexpr std::size_t kCap = 8;
  for (std::size_t offset = 0; offset < kCap; ++offset) {
    for (std::size_t k = 1; k <= kCap; ++k) {
      SpscRing<std::uint64_t> r(kCap);
      std::uint64_t v = 0;
      for (std::size_t i = 0; i < offset; ++i) ASSERT_TRUE(r.try_push(i));
      for (std::size_t i = 0; i < offset; ++i) ASSERT_TRUE(r.try_pop(v));
      std::vector<std::uint64_t> in(k), out(kCap, 0);
      for (std::size_t i = 0; i < k; ++i) in[i] = 1000 * offset + i;
      ASSERT_EQ(r.push_batch(in), k);
      ASSERT_EQ(r.size_approx(), k);
      ASSERT_EQ(r.pop_batch(out), k) << "offset " << offset << " k " << k;
      for (std::size_t i = 0; i < k; ++i) EXPECT_EQ(out[i], in[i]) << "offset " << offset << " i " << i;
      EXPECT_EQ(r.pop_batch(out), 0u);
    }
  }
}

// reserve/commit and peek/release return at most up to the end of storage; a second call
// continues at slot 0. Checked from every starting offset and for every request size.
TEST(SpscRing, ReserveAndPeekAcrossWrapAtEveryOffset) {
  constexpr std::size_t kCap = 8;
  for (std::size_t offset = 0; offset < kCap; ++offset) {
    for (std::size_t k = 1; k <= kCap; ++k) {
      SpscRing<std::uint32_t> r(kCap);
      std::uint32_t v = 0;
      for (std::size_t i = 0; i < offset; ++i) ASSERT_TRUE(r.try_push(0));
      for (std::size_t i = 0; i < offset; ++i) ASSERT_TRUE(r.try_pop(v));

      const std::size_t to_end = kCap - offset;
      std::span<std::uint32_t> a = r.reserve(k);
      ASSERT_EQ(a.size(), std::min(k, to_end));
      EXPECT_EQ(r.slot_index(a.data()), offset);
      std::span<std::uint32_t> b = r.reserve(k - a.size());
      ASSERT_EQ(b.size(), k - a.size());
      if (!b.empty()) {
        EXPECT_EQ(r.slot_index(b.data()), 0u);
      }
      EXPECT_EQ(r.reserved(), k);
      EXPECT_EQ(r.size_approx(), 0u) << "nothing visible before commit";
      for (std::size_t i = 0; i < a.size(); ++i) a[i] = static_cast<std::uint32_t>(100 + i);
      for (std::size_t i = 0; i < b.size(); ++i) b[i] = static_cast<std::uint32_t>(100 + a.size() + i);
      r.commit(k);
      EXPECT_EQ(r.size_approx(), k);

      std::span<std::uint32_t> p = r.peek(kCap);
      ASSERT_EQ(p.size(), std::min(k, to_end));
      for (std::size_t i = 0; i < p.size(); ++i) EXPECT_EQ(p[i], 100 + i);
      EXPECT_EQ(r.peek(kCap).data(), p.data()) << "peek does not consume";
      const std::size_t first = p.size();
      r.release(first);
      std::span<std::uint32_t> q = r.peek(kCap);
      ASSERT_EQ(q.size(), k - first);
      for (std::size_t i = 0; i < q.size(); ++i) EXPECT_EQ(q[i], 100 + first + i);
      r.release(q.size());
      EXPECT_EQ(r.size_approx(), 0u);
      EXPECT_TRUE(r.peek(kCap).empty());
    }
  }
}

TEST(SpscRing, ReserveStopsAtFreeSpaceAndCommitGivesBackTheRest) {
  SpscRing<int> r(8);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(r.try_push(i));
  std::span<int> s = r.reserve(10);
  EXPECT_EQ(s.size(), 3u);
  EXPECT_TRUE(r.reserve(1).empty()) << "full once claimed";
  s[0] = 42;
  r.commit(1);  // the two other claimed slots return to the free pool
  EXPECT_EQ(r.reserved(), 0u);
  EXPECT_EQ(r.size_approx(), 6u);
  EXPECT_TRUE(r.try_push(7));
  EXPECT_TRUE(r.try_push(8));
  EXPECT_FALSE(r.try_push(9));
  int v = 0;
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(r.try_pop(v));
  ASSERT_TRUE(r.try_pop(v));
  EXPECT_EQ(v, 42);
  ASSERT_TRUE(r.try_pop(v));
  EXPECT_EQ(v, 7);
}

TEST(SpscRing, PeekLimitedByMax) {
  SpscRing<int> r(16);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(r.try_push(i));
  EXPECT_EQ(r.peek(4).size(), 4u);
  r.release(4);
  EXPECT_EQ(r.peek(100).size(), 6u);
  EXPECT_EQ(r.peek(100)[0], 4);
}

struct Item64 {
  std::uint64_t seq;
  std::uint64_t check[7];
};

// Two threads, every producer and consumer API mixed, 10M items: order and contents checked.
TEST(SpscRing, TwoThreadStress) {
  constexpr std::uint64_t kItems = 10'000'000;
  // Big enough that a time-shared CPU hands over thousands of items per switch, small
  // enough to wrap ~600 times.
  SpscRing<Item64> r(16384);
  auto make = [](std::uint64_t s) {
    Item64 it{};
    it.seq = s;
    for (std::uint64_t j = 0; j < 7; ++j) it.check[j] = s * 31 + j;
    return it;
  };

  std::atomic<bool> consumer_gave_up{false};  // keeps a failing test from hanging the producer
  std::thread producer([&] {
    std::uint64_t s = 0;
    std::array<Item64, 64> buf{};
    while (s < kItems && !consumer_gave_up.load(std::memory_order_relaxed)) {
      const std::uint64_t before = s;
      switch (s % 3) {
        case 0: {  // single push
          if (r.try_push(make(s))) ++s;
          break;
        }
        case 1: {  // batch copy
          const std::uint64_t n = std::min<std::uint64_t>(1 + s % 64, kItems - s);
          for (std::uint64_t i = 0; i < n; ++i) buf[i] = make(s + i);
          s += r.push_batch(std::span<const Item64>(buf.data(), n));
          break;
        }
        default: {  // zero-copy reservation, possibly in two pieces
          const std::uint64_t n = std::min<std::uint64_t>(1 + s % 200, kItems - s);
          std::span<Item64> a = r.reserve(n);
          std::span<Item64> b = r.reserve(n - a.size());
          for (std::size_t i = 0; i < a.size(); ++i) a[i] = make(s + i);
          for (std::size_t i = 0; i < b.size(); ++i) b[i] = make(s + a.size() + i);
          r.commit(a.size() + b.size());
          s += a.size() + b.size();
          break;
        }
      }
      // The two cores are shared with other work: give the consumer the CPU when stuck.
      if (s == before) std::this_thread::yield();
    }
  });

  std::uint64_t expect = 0;
  std::uint64_t errors = 0;
  auto check = [&](const Item64& it) {
    if (it.seq != expect) ++errors;
    for (std::uint64_t j = 0; j < 7; ++j)
      if (it.check[j] != expect * 31 + j) ++errors;
    ++expect;
  };
  std::array<Item64, 48> out{};
  while (expect < kItems && errors == 0) {
    const std::uint64_t before = expect;
    switch (expect % 4) {
      case 0: {
        Item64 it;
        if (r.try_pop(it)) check(it);
        break;
      }
      case 1: {
        if (Item64* f = r.front()) {
          check(*f);
          r.pop();
        }
        break;
      }
      case 2: {
        const std::size_t n = r.pop_batch(out);
        for (std::size_t i = 0; i < n; ++i) check(out[i]);
        break;
      }
      default: {
        std::span<Item64> p = r.peek(1 + expect % 300);
        for (const Item64& it : p) check(it);
        r.release(p.size());
        break;
      }
    }
    if (expect == before) std::this_thread::yield();
  }
  consumer_gave_up.store(true, std::memory_order_relaxed);
  producer.join();
  EXPECT_EQ(errors, 0u) << "first mismatch near item " << expect;
  EXPECT_EQ(expect, kItems);
  EXPECT_EQ(r.size_approx(), 0u);
}

}  // namespace
}  // namespace riptide
