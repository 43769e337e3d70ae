#pragma once
// OffloadPool: a bounded compute pool for the long calculations analyzers hand off the packet
// path (AnalyzerContext::offload).
//
// N threads take tasks from one bounded queue and run them. submit() never blocks: when the
// queue already holds `queue_capacity` tasks not yet started, the task is refused and counted.
// A finished task goes back to the packet thread that submitted it (its "owner") through a
// per-owner completion list; the owner collects it with collect() and runs complete() itself,
// so complete() may touch the analyzer without locks. A finished task calls the owner's
// waker (set_waker), which cuts the owner's wait short (an eventfd in the capture source's
// poll, the futex a dispatch worker sleeps on), so the result does not wait for a tick.
//
// The owner's check is one relaxed atomic load when nothing finished: no lock per packet or
// per batch. Submissions and completions take a small mutex; they are rare by design (a task
// is a calculation over a snapshot, not per-packet work).
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "riptide/analyze/analyzer.hpp"
#include "riptide/core/result.hpp"

namespace riptide {

struct OffloadConfig {
  unsigned threads = 1;           // compute threads (0: every offload is refused)
  std::size_t queue_capacity = 64;  // tasks waiting for a thread, over all owners
  // Where and how the threads run, so a CPU-bound calculation cannot take a capture core:
  // the CPUs they may use (empty: any), SCHED_BATCH (the scheduler treats them as CPU hogs and
  // preempts them less eagerly in favour of them), and a nice value (0..19: lower weight than
  // capture threads when they share a CPU).
  std::vector<int> cpus;
  bool batch = true;
  int nice = 10;
};

struct OffloadStats {
  std::uint64_t submitted = 0;       // accepted by submit()
  std::uint64_t refused = 0;         // queue full (or no thread): the task was destroyed
  std::uint64_t completed = 0;       // handed back to the owner by collect()
  std::uint64_t failed = 0;          // run() threw; complete() is not called for those
  std::int64_t max_latency_ns = 0;   // longest submit -> collect
  std::uint64_t placement_failed = 0;  // threads the CPUs / priority could not be applied to
};

// A finished task as its owner receives it.
struct OffloadDone {
  std::unique_ptr<OffloadTask> task;
  std::uint32_t tag = 0;            // what the submitter passed (the analyzer's slot)
  std::exception_ptr run_error;     // set when run() threw
};

class OffloadPool {
 public:
  // owners: how many packet threads submit (0..owners-1). Starts the threads.
  static Result<std::unique_ptr<OffloadPool>> create(const OffloadConfig& cfg, std::size_t owners);
  ~OffloadPool();  // stop()
  OffloadPool(const OffloadPool&) = delete;
  OffloadPool& operator=(const OffloadPool&) = delete;

  // Any thread, but an owner index must be used by one thread only. Never blocks on a task:
  // false (task destroyed, counted) when the queue is full or the pool stopped.
  bool submit(std::size_t owner, std::uint32_t tag, std::unique_ptr<OffloadTask> task) noexcept;

  // Before any submit: fn() is called on a pool thread each time a task of `owner` finishes.
  // It must be cheap and thread-safe (a write to an eventfd, a futex wake).
  void set_waker(std::size_t owner, std::function<void()> fn);

  // Owner thread: a finished task waits to be collected (one relaxed load).
  bool ready(std::size_t owner) const noexcept {
    return owner < owners_.size() && owners_[owner]->ready.load(std::memory_order_relaxed) != 0;
  }

  // Owner thread: moves the owner's finished tasks into `out` (appended). Cheap when none.
  std::size_t collect(std::size_t owner, std::vector<OffloadDone>& out);

  // Owner thread: true while a task it submitted is queued, running, or finished but not
  // collected. wait_idle() blocks until that is false (used at stop: results arrive first).
  bool busy(std::size_t owner) const noexcept;
  void wait_idle(std::size_t owner);

  // Stops the threads after the queue is empty. Idempotent.
  void stop();

  OffloadStats stats() const noexcept;
  const OffloadConfig& config() const noexcept { return cfg_; }

 private:
  struct Job {
    std::unique_ptr<OffloadTask> task;
    std::uint32_t owner = 0, tag = 0;
    std::int64_t submitted_ns = 0;
    std::exception_ptr run_error;
  };
  struct Owner {
    std::mutex mu;
    std::condition_variable cv;         // signalled when a job of this owner finished
    std::vector<Job> done;
    std::atomic<std::uint64_t> ready{0};        // jobs in `done`
    std::atomic<std::uint64_t> outstanding{0};  // submitted, not yet collected
    std::function<void()> waker;
  };

  OffloadPool(const OffloadConfig& cfg, std::size_t owners);
  void run_thread();

  OffloadConfig cfg_;
  std::vector<std::unique_ptr<Owner>> owners_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Job> ring_;  // fixed at queue_capacity: no allocation on submit
  std::size_t head_ = 0, count_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
  std::atomic<std::uint64_t> submitted_{0}, refused_{0}, completed_{0}, failed_{0};
  std::atomic<std::int64_t> max_latency_ns_{0};
  std::atomic<std::uint64_t> placement_failed_{0};
  void place_thread() noexcept;
};

}  // namespace riptide
