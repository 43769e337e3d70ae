#pragma once
// The flow output thread: finished flow records leave the packet threads through bounded
// single-producer queues, and one thread hands them to the sinks (EVE JSON file, IPFIX, Kafka).
// A sink that is slow or stuck therefore costs records, never captured packets.
//
// Producer side (a flow meter instance, on its packet thread): push() copies a batch into the
// producer's own ring. No lock, no allocation, no system call in the common case: the output
// thread polls the rings and is only woken (futex) when a ring passes a quarter full while it
// sleeps. What does not fit is counted as queue_full (live capture), or waited for (files:
// nothing is lost to a fast reader, as the dispatch queues do).
//
// Accounting, exact at close(): for every sink, records pushed = written + dropped (the sink's
// own SinkStatus), and records offered = pushed + queue_full.
//
// Example:
//   std::vector<std::unique_ptr<FlowRecordSink>> sinks;
//   sinks.push_back(std::make_unique<MySink>());
//   auto out = FlowOutput::start(std::move(sinks), FlowOutputConfig{});
//   FlowOutput::Producer* p = (*out)->add_producer();   // before the packet thread starts
//   p->push(recs, n, /*wait=*/false);                    // on the packet thread
//   (*out)->close();                                     // every producer stopped: drain, close sinks
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "riptide/core/result.hpp"
#include "riptide/flow/record_sink.hpp"

namespace riptide {

struct FlowOutputConfig {
  std::size_t queue_records = 16384;  // per producer, rounded up to a power of two
  std::size_t max_producers = 1024;   // one per flow table: FlowRecord ids allow 1024 tables
};

class FlowOutput {
 public:
  class Producer {
   public:
    explicit Producer(std::size_t capacity);
    Producer(const Producer&) = delete;
    Producer& operator=(const Producer&) = delete;
    // Copies recs[0..n) into the ring. wait=false: what does not fit is counted as queue_full.
    // wait=true: waits for room (the output thread always makes progress). Returns how many
    // records were queued.
    std::size_t push(const FlowRecord* recs, std::size_t n, bool wait) noexcept;
    std::uint64_t pushed() const noexcept { return pushed_.load(std::memory_order_relaxed); }
    std::uint64_t queue_full() const noexcept { return queue_full_.load(std::memory_order_relaxed); }

   private:
    friend class FlowOutput;
    std::unique_ptr<FlowRecord[]> slots_;
    std::size_t mask_;
    FlowOutput* owner_ = nullptr;
    alignas(64) std::atomic<std::uint64_t> head_{0};  // written by the producer
    std::atomic<std::uint64_t> pushed_{0}, queue_full_{0};
    alignas(64) std::atomic<std::uint64_t> tail_{0};  // written by the output thread
  };

  // Starts the output thread. `sinks` must not be empty.
  static Result<std::unique_ptr<FlowOutput>> start(std::vector<std::unique_ptr<FlowRecordSink>> sinks,
                                                   const FlowOutputConfig& cfg);
  ~FlowOutput();  // close()s
  FlowOutput(const FlowOutput&) = delete;
  FlowOutput& operator=(const FlowOutput&) = delete;

  // A new queue, owned by this object, for one packet thread. Call before that thread pushes;
  // may be called while the output thread runs. Null when max_producers are in use.
  Producer* add_producer();

  // After every producer stopped pushing: hands what is queued to the sinks, stops the thread,
  // then closes every sink. Idempotent; figures are final afterwards.
  void close();

  const std::vector<std::unique_ptr<FlowRecordSink>>& sinks() const noexcept { return sinks_; }
  // Over every producer: records queued, records refused because a queue was full, records
  // still waiting in the queues.
  std::uint64_t pushed() const noexcept;
  std::uint64_t queue_full() const noexcept;
  std::uint64_t queued_now() const noexcept;

 private:
  FlowOutput(std::vector<std::unique_ptr<FlowRecordSink>> sinks, const FlowOutputConfig& cfg);
  void run() noexcept;
  bool drain_once() noexcept;  // true when it handed records on
  void maybe_wake() noexcept;
  friend class Producer;

  FlowOutputConfig cfg_;
  std::vector<std::unique_ptr<FlowRecordSink>> sinks_;
  // Sized once: the output thread reads slots below nproducers_ while new ones are added.
  std::unique_ptr<std::unique_ptr<Producer>[]> producers_;
  std::atomic<std::size_t> nproducers_{0};
  std::mutex add_mu_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> sleeping_{false};
  std::atomic<std::uint32_t> wake_seq_{0};
  std::atomic<std::uint32_t> progress_seq_{0};  // moved on after a drain while producers wait
  std::atomic<std::uint32_t> waiters_{0};
  std::thread thread_;
  bool closed_ = false;
};

}  // namespace riptide
