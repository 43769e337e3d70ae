// ctx.offload(work, done): the typed result reaches done on the caller's side; void work,
// move-only results, refusals, and a work() that throws (done is not called).
#include <gtest/gtest.h>

#include <memory>
#include <numeric>
#include <stdexcept>
#include <vector>

#include "analyze/fake_context.hpp"

namespace riptide::test {
namespace {

TEST(OffloadFn, TypedResultReachesDone) {
  FakeContext ctx;
  std::vector<int> snapshot{1, 2, 3, 4};
  long got = -1;
  AnalyzerContext& c = ctx;
  ASSERT_TRUE(c.offload([s = snapshot] { return std::accumulate(s.begin(), s.end(), 0L); },
                        [&](long sum) { got = sum; }));
  snapshot.clear();  // the work holds its own copy
  EXPECT_EQ(got, -1);  // nothing before the pump: done waits for the work
  EXPECT_EQ(ctx.pump(), 1u);
  EXPECT_EQ(got, 10);
}

TEST(OffloadFn, VoidWorkAndMoveOnlyResults) {
  FakeContext ctx;
  ctx.offload_mode = FakeContext::Offload::threaded;
  int ran = 0, done = 0;
  ASSERT_TRUE(ctx.offload([&] { ++ran; }, [&] { ++done; }));
  std::unique_ptr<int> owned;
  ASSERT_TRUE(ctx.offload([] { return std::make_unique<int>(42); }, [&](std::unique_ptr<int> p) { owned = std::move(p); }));
  EXPECT_EQ(ctx.pump(), 2u);
  EXPECT_EQ(ran, 1);
  EXPECT_EQ(done, 1);
  ASSERT_TRUE(owned);
  EXPECT_EQ(*owned, 42);
}

TEST(OffloadFn, RefusedTaskIsDestroyedWithoutRunning) {
  FakeContext ctx;
  ctx.offload_mode = FakeContext::Offload::refuse;
  auto alive = std::make_shared<int>(0);
  bool ran = false;
  EXPECT_FALSE(ctx.offload([&ran, keep = alive] { ran = true; return 1; }, [](int) {}));
  EXPECT_EQ(alive.use_count(), 1);  // the refused task's captures are gone
  EXPECT_FALSE(ran);
  EXPECT_EQ(ctx.offloads_refused, 1u);
}

TEST(OffloadFn, ThrowingWorkNeverCallsDone) {
  auto t = make_offload_task([]() -> int { throw std::runtime_error("boom"); }, [](int) { FAIL() << "done ran"; });
  EXPECT_THROW(t->run(), std::runtime_error);
}

}  // namespace
}  // namespace riptide::test
