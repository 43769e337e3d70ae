#pragma once
// The bridge between packet threads and Python: an analyzer that copies each packet's
// metadata (and, on request, its bytes) into preallocated batch slots, and one consumer (a
// Python iterator or a Python analyzer's driver loop) that takes whole slots.
//
// Capture never waits for Python: each packet thread owns a fixed set of slots; when none is
// free the batch is dropped and counted (`queue_drops`, a named drop of this analyzer). Only
// a file may wait for a slot instead (wait_when_full), since nothing is lost by reading later.
// The lock is taken once per slot handed over (up to batch_packets packets), never per packet.
// A slot is handed over when it is full, or at the end of a packet batch when the consumer is
// idle or the slot is older than max_delay: under load Python receives larger batches.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <functional>
#include <string>
#include <vector>

#include "record.hpp"
#include "riptide/analyze/analyzer.hpp"

namespace riptide::py {

struct FeedConfig {
  std::string name = "python";
  std::size_t batch_packets = 4096;  // packets per slot
  std::size_t slots = 32;            // per packet thread
  bool with_bytes = false;           // also copy the packet bytes
  std::size_t slot_bytes = 0;        // bytes per slot; 0: derived from batch_packets
  bool wait_when_full = false;       // files: wait for Python instead of dropping
  std::int64_t max_delay_ns = 20'000'000;
  std::chrono::milliseconds max_packet_delay{10};
};

struct Slot {
  std::vector<Record> recs;
  std::vector<std::uint8_t> bytes;
  std::vector<std::uint64_t> offs;  // n + 1 offsets into bytes
  std::size_t n = 0, used = 0;
  std::uint32_t thread = 0;
  std::int64_t first_mono = 0;
};

// Figures of one packet thread's share of the feed, read by counters() and by Python.
struct FeedFigures {
  std::atomic<std::uint64_t> queue_drops{0};     // packets lost: no free slot
  std::atomic<std::uint64_t> queued_packets{0};
  std::atomic<std::uint64_t> batches_queued{0};
  std::atomic<std::uint64_t> batches_done{0};    // processed by Python
  std::atomic<std::uint64_t> busy_ns{0};         // Python's time in on_batch
  std::atomic<std::uint64_t> python_errors{0};
  std::atomic<std::uint64_t> sent{0}, send_refused{0};
  std::atomic<std::uint64_t> offload_refused{0};
};

class Feed {
 public:
  explicit Feed(FeedConfig cfg);
  const FeedConfig& config() const noexcept { return cfg_; }

  // Producers. add_thread() runs before the packet threads start (it allocates).
  std::size_t add_thread();
  Slot* acquire(std::size_t t);  // nullptr: none free (or the consumer is gone)
  void publish(Slot* s);
  void producer_start(std::size_t t, AnalyzerContext* ctx);
  // Marks thread t finished, then waits until Python has processed every batch it sent
  // (so that Python's errors and figures reach the report), or the consumer closed.
  void producer_done(std::size_t t);
  // The consumer sleeps with nothing queued: a part-filled slot is worth handing over now.
  // Otherwise it keeps filling, so that a short stall of Python is not spent on tiny slots.
  bool consumer_idle() const noexcept {
    return waiting_.load(std::memory_order_relaxed) && queued_.load(std::memory_order_relaxed) == 0;
  }

  // The consumer. pop() and wait_ready() first mark the previously popped batch processed.
  enum class Pop { batch, timeout, end };
  Pop pop(Slot*& out, std::int64_t timeout_ns);  // timeout 0: take what is there, no wait
  void wait_ready(std::int64_t timeout_ns);       // until a batch is there, the end, or the timeout
  void release(Slot* s);  // its contents were copied out: the producer may refill it
  void account(std::size_t t, std::uint64_t busy_ns);
  void close();           // no more consumer: producers stop waiting and drop
  bool ended();

  // Python's exceptions, handed to the packet thread that produced the batch: it throws
  // them into the engine, which counts and prints them like any analyzer error.
  void report_error(std::size_t t, const std::string& msg);
  bool take_errors(std::size_t t, std::uint64_t& n, std::string& first);
  bool has_errors(std::size_t t) const noexcept { return pending_[t]->load(std::memory_order_relaxed) != 0; }

  // Frames from Python: through thread 0's context while it runs, refused (counted) after.
  bool send(const std::uint8_t* p, std::size_t n);

  // Runs `fn` once, from the first instance's on_start, when every instance exists: the
  // --python driver thread starts there, so it never sees the feed while threads are added.
  void set_on_run(std::function<void()> fn) { on_run_ = std::move(fn); }
  void run_once() {
    std::call_once(run_once_, [this] {
      if (on_run_) on_run_();
      on_run_ = nullptr;
    });
  }

  FeedFigures& figures(std::size_t t) { return *figs_[t]; }
  std::size_t threads() const noexcept { return figs_.size(); }

 private:
  bool all_done_locked() const;
  void ack_locked();
  struct PerThread {
    std::vector<std::unique_ptr<Slot>> slots;
    std::vector<Slot*> free;
    std::uint64_t published = 0, completed = 0;
    bool done = false;
    std::string first_error;
  };
  FeedConfig cfg_;
  std::mutex mu_;
  std::condition_variable ready_cv_, free_cv_;
  std::size_t resume_at() const noexcept { return std::max<std::size_t>(cfg_.slots / 2, 1); }
  std::vector<Slot*> ready_;  // ring of every slot, fixed capacity
  std::size_t head_ = 0, count_ = 0;
  std::vector<std::unique_ptr<PerThread>> per_;
  std::vector<std::unique_ptr<FeedFigures>> figs_;
  std::vector<std::unique_ptr<std::atomic<std::uint64_t>>> pending_;
  std::size_t last_thread_ = SIZE_MAX;  // the batch the consumer holds
  std::uint64_t early_errors_ = 0;       // reported before any packet thread existed
  std::string early_error_;
  bool closed_ = false;
  std::atomic<bool> waiting_{false};
  std::atomic<std::size_t> queued_{0};  // count_, readable without the lock
  std::once_flag run_once_;
  std::function<void()> on_run_;
  std::mutex send_mu_;
  AnalyzerContext* ctx0_ = nullptr;
};

// One instance per packet thread: copies into its slots, throws Python's errors.
class FeedFactory final : public AnalyzerFactory {
 public:
  explicit FeedFactory(std::shared_ptr<Feed> feed) : feed_(std::move(feed)) {}
  std::string_view name() const noexcept override { return feed_->config().name; }
  std::unique_ptr<Analyzer> create(std::size_t thread_index) override;
  std::chrono::milliseconds max_packet_delay() const noexcept override { return feed_->config().max_packet_delay; }
  // Runs once every instance stopped: the Python side ends its driver here (--python).
  void finish() override;
  void set_on_finish(std::function<void()> fn) { on_finish_ = std::move(fn); }
  const std::shared_ptr<Feed>& feed() const noexcept { return feed_; }

 private:
  std::shared_ptr<Feed> feed_;
  std::function<void()> on_finish_;
};

}  // namespace riptide::py
