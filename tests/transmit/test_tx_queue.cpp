#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <thread>
#include <vector>

#include "riptide/transmit/tx_queue.hpp"

namespace riptide {
namespace {

std::vector<std::uint8_t> frame(std::size_t n, std::uint8_t fill) { return std::vector<std::uint8_t>(n, fill); }

TEST(TxQueue, FullRefusesAndCounts) {
  TxQueue q(4);
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(q.enqueue(frame(60, std::uint8_t(i))));
  EXPECT_FALSE(q.enqueue(frame(60, 9)));
  EXPECT_FALSE(q.enqueue(frame(60, 9)));
  auto s = q.stats();
  EXPECT_EQ(s.enqueued, 4u);
  EXPECT_EQ(s.refused_full, 2u);
  EXPECT_EQ(q.size(), 4u);
}

TEST(TxQueue, TooBigOrEmptyRefused) {
  TxQueue q(4);
  EXPECT_FALSE(q.enqueue(frame(TxQueue::kSlotBytes + 1, 1)));
  EXPECT_FALSE(q.enqueue({}));
  EXPECT_TRUE(q.enqueue(frame(TxQueue::kSlotBytes, 1)));
  EXPECT_EQ(q.stats().refused_too_big, 2u);
}

// Slots sized from the interface (MTU 9000 + 18): a jumbo frame is kept whole, byte for byte,
// and one byte more is refused, never cut.
TEST(TxQueue, SlotsSizedForJumboFrames) {
  TxQueue q(3, 9018);
  EXPECT_EQ(q.slot_bytes(), 9018u);
  std::vector<std::uint8_t> big(9018);
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<std::uint8_t>(i * 7);
  EXPECT_TRUE(q.enqueue(big));
  EXPECT_TRUE(q.enqueue(frame(60, 1)));
  EXPECT_FALSE(q.enqueue(frame(9019, 2)));
  EXPECT_EQ(q.stats().refused_too_big, 1u);
  std::array<std::span<const std::uint8_t>, 4> out;
  ASSERT_EQ(q.peek(out), 2u);
  ASSERT_EQ(out[0].size(), 9018u);
  EXPECT_TRUE(std::equal(out[0].begin(), out[0].end(), big.begin()));
  EXPECT_EQ(out[1].size(), 60u);
  EXPECT_EQ(TxQueue(1, 1u << 30).slot_bytes(), TxQueue::kMaxSlotBytes);  // clamped
}

TEST(TxQueue, PeekReleaseKeepsOrderAndWraps) {
  TxQueue q(3);
  std::array<std::span<const std::uint8_t>, 8> out;
  std::uint8_t next_in = 0, next_out = 0;
  for (int round = 0; round < 10; ++round) {
    while (q.enqueue(frame(60 + next_in, next_in))) ++next_in;
    const std::size_t n = q.peek(std::span(out.data(), 2));
    ASSERT_EQ(n, 2u);
    for (std::size_t i = 0; i < n; ++i) {
      EXPECT_EQ(out[i].size(), 60u + next_out);
      EXPECT_EQ(out[i][0], next_out);
      ++next_out;
    }
    // A producer cannot overwrite borrowed slots: the queue is still full.
    EXPECT_FALSE(q.enqueue(frame(60, 0xee)));
    q.release(n);
  }
  EXPECT_EQ(q.stats().refused_full, 20u);
}

TEST(TxQueue, ManyProducersOneConsumerLoseNothing) {
  TxQueue q(64);
  constexpr int kProducers = 4, kPer = 5000;
  std::atomic<int> done{0};
  std::vector<std::thread> ts;
  for (int p = 0; p < kProducers; ++p)
    ts.emplace_back([&, p] {
      std::array<std::uint8_t, 64> f{};
      f[0] = std::uint8_t(p);
      for (int i = 0; i < kPer; ++i) {
        f[1] = std::uint8_t(i);
        while (!q.enqueue(f)) std::this_thread::yield();  // refused when full: retry
      }
      done.fetch_add(1);
    });
  std::array<int, kProducers> last{};
  last.fill(-1);
  std::uint64_t got = 0;
  std::array<std::span<const std::uint8_t>, 16> out;
  while (got < std::uint64_t(kProducers) * kPer) {
    const std::size_t n = q.peek(out);
    for (std::size_t i = 0; i < n; ++i) {
      const int p = out[i][0];
      // Per producer, frames come out in the order they went in.
      EXPECT_EQ(std::uint8_t(last[std::size_t(p)] + 1), out[i][1]);
      last[std::size_t(p)] = out[i][1];
    }
    q.release(n);
    got += n;
    if (n == 0) std::this_thread::yield();
  }
  for (auto& t : ts) t.join();
  EXPECT_EQ(q.stats().enqueued, std::uint64_t(kProducers) * kPer);
  EXPECT_EQ(q.size(), 0u);
}

}  // namespace
}  // namespace riptide
