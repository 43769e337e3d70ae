// OffloadPool on its own: bounded, never blocking, results back to their owner only.
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "riptide/analyze/offload_pool.hpp"

namespace riptide {
namespace {

OffloadConfig oc(unsigned threads, std::size_t queue) {
  OffloadConfig c;
  c.threads = threads;
  c.queue_capacity = queue;
  return c;
}

// A task that blocks in run() until released, so tests control when the pool is busy.
struct Gate {
  std::mutex mu;
  std::condition_variable cv;
  bool open = false;
  void release() {
    {
      std::lock_guard lk(mu);
      open = true;
    }
    cv.notify_all();
  }
  void wait() {
    std::unique_lock lk(mu);
    cv.wait(lk, [&] { return open; });
  }
};

struct GatedTask final : OffloadTask {
  Gate& g;
  int& completed;
  explicit GatedTask(Gate& gg, int& c) : g(gg), completed(c) {}
  void run() override { g.wait(); }
  void complete() override { ++completed; }
};

std::vector<OffloadDone> collect_all(OffloadPool& p, std::size_t owner, std::size_t want) {
  std::vector<OffloadDone> out;
  for (int i = 0; i < 500 && out.size() < want; ++i) {
    p.collect(owner, out);
    if (out.size() < want) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return out;
}

TEST(OffloadPool, RejectsBadConfig) {
  EXPECT_FALSE(OffloadPool::create(oc(1, 0), 1));
  EXPECT_FALSE(OffloadPool::create(oc(1000, 4), 1));
}

TEST(OffloadPool, FullQueueRefusesWithoutBlocking) {
  auto p = OffloadPool::create(oc(1, 2), 1);
  ASSERT_TRUE(p);
  Gate g;
  int completed = 0;
  ASSERT_TRUE((*p)->submit(0, 7, std::make_unique<GatedTask>(g, completed)));
  // Let the thread take the first task (it blocks in run()), so exactly two more fit.
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_TRUE((*p)->submit(0, 7, std::make_unique<GatedTask>(g, completed)));
  EXPECT_TRUE((*p)->submit(0, 7, std::make_unique<GatedTask>(g, completed)));
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_FALSE((*p)->submit(0, 7, std::make_unique<GatedTask>(g, completed)));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(50));
  EXPECT_EQ((*p)->stats().refused, 1u);
  EXPECT_TRUE((*p)->busy(0));
  g.release();
  auto done = collect_all(**p, 0, 3);
  ASSERT_EQ(done.size(), 3u);
  for (auto& d : done) {
    EXPECT_EQ(d.tag, 7u);
    EXPECT_FALSE(d.run_error);
    d.task->complete();
  }
  EXPECT_EQ(completed, 3);
  EXPECT_FALSE((*p)->busy(0));
  const auto s = (*p)->stats();
  EXPECT_EQ(s.submitted, 3u);
  EXPECT_EQ(s.completed, 3u);
}

TEST(OffloadPool, ResultsGoToTheirOwnerOnly) {
  auto p = OffloadPool::create(oc(2, 64), 3);
  ASSERT_TRUE(p);
  Gate g;
  g.release();
  int completed = 0;
  for (std::uint32_t owner = 0; owner < 3; ++owner)
    for (int i = 0; i <= static_cast<int>(owner); ++i)
      ASSERT_TRUE((*p)->submit(owner, owner * 10, std::make_unique<GatedTask>(g, completed)));
  for (std::size_t owner = 0; owner < 3; ++owner) {
    (*p)->wait_idle(owner);
    std::vector<OffloadDone> out;
    EXPECT_EQ((*p)->collect(owner, out), owner + 1);
    for (const auto& d : out) EXPECT_EQ(d.tag, owner * 10);
    EXPECT_FALSE((*p)->busy(owner));
  }
}

TEST(OffloadPool, RunExceptionIsHandedBack) {
  auto p = OffloadPool::create(oc(1, 4), 1);
  ASSERT_TRUE(p);
  struct Throws final : OffloadTask {
    void run() override { throw std::runtime_error("boom"); }
    void complete() override {}
  };
  ASSERT_TRUE((*p)->submit(0, 1, std::make_unique<Throws>()));
  (*p)->wait_idle(0);
  std::vector<OffloadDone> out;
  ASSERT_EQ((*p)->collect(0, out), 1u);
  EXPECT_TRUE(out[0].run_error);
  EXPECT_EQ((*p)->stats().failed, 1u);
}

TEST(OffloadPool, NoThreadsRefusesAndStopRefuses) {
  auto p = OffloadPool::create(oc(0, 4), 1);
  ASSERT_TRUE(p);
  struct Nop final : OffloadTask {
    void run() override {}
    void complete() override {}
  };
  EXPECT_FALSE((*p)->submit(0, 0, std::make_unique<Nop>()));
  auto q = OffloadPool::create(oc(1, 4), 1);
  ASSERT_TRUE(q);
  (*q)->stop();
  EXPECT_FALSE((*q)->submit(0, 0, std::make_unique<Nop>()));
  EXPECT_EQ((*q)->stats().refused, 1u);
}

// The waker is how a result cuts the owner's wait short: called once per finished task of
// that owner (and only that owner), after the task is ready to collect.
TEST(OffloadPool, FinishedTaskCallsItsOwnersWaker) {
  auto p = OffloadPool::create(oc(1, 8), 2);
  ASSERT_TRUE(p);
  std::atomic<int> woke0{0}, woke1{0};
  std::atomic<int> ready_when_woken{0};
  OffloadPool* pool = p->get();
  (*p)->set_waker(0, [&, pool] {
    if (pool->ready(0)) ready_when_woken.fetch_add(1);
    woke0.fetch_add(1);
  });
  (*p)->set_waker(1, [&] { woke1.fetch_add(1); });
  Gate g;
  g.release();
  int completed = 0;
  ASSERT_TRUE((*p)->submit(0, 0, std::make_unique<GatedTask>(g, completed)));
  ASSERT_TRUE((*p)->submit(0, 0, std::make_unique<GatedTask>(g, completed)));
  (*p)->wait_idle(0);
  for (int i = 0; i < 500 && woke0.load() < 2; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  EXPECT_EQ(woke0.load(), 2);
  EXPECT_EQ(ready_when_woken.load(), 2);
  EXPECT_EQ(woke1.load(), 0);
  EXPECT_TRUE((*p)->ready(0));
  EXPECT_FALSE((*p)->ready(1));
  EXPECT_EQ(collect_all(**p, 0, 2).size(), 2u);
  EXPECT_FALSE((*p)->ready(0));
}

// Offload threads run where and how the config says: a CPU-bound calculation there cannot
// outweigh a capture thread.
struct PlacementProbe final : OffloadTask {
  int policy = -1, nice = -100, cpus = -1;
  bool on_cpu0 = false;
  void run() override {
    policy = sched_getscheduler(0);
    errno = 0;
    nice = getpriority(PRIO_PROCESS, static_cast<id_t>(::syscall(SYS_gettid)));
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) == 0) {
      cpus = CPU_COUNT(&set);
      on_cpu0 = CPU_ISSET(0, &set);
    }
  }
  void complete() override {}
};

TEST(OffloadPool, ThreadsRunAtBatchPriorityOnTheirCpus) {
  OffloadConfig cfg;
  cfg.cpus = {0};
  auto p = OffloadPool::create(cfg, 1);
  ASSERT_TRUE(p);
  auto t = std::make_unique<PlacementProbe>();
  PlacementProbe* probe = t.get();
  ASSERT_TRUE((*p)->submit(0, 0, std::move(t)));
  auto done = collect_all(**p, 0, 1);
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(probe->policy, SCHED_BATCH);
  EXPECT_EQ(probe->nice, 10);
  EXPECT_EQ(probe->cpus, 1);
  EXPECT_TRUE(probe->on_cpu0);
  EXPECT_EQ((*p)->stats().placement_failed, 0u);
  cfg.nice = 25;
  EXPECT_FALSE(OffloadPool::create(cfg, 1));
  cfg.nice = 10;
  cfg.cpus = {4096};
  EXPECT_FALSE(OffloadPool::create(cfg, 1));
}

}  // namespace
}  // namespace riptide
