#include "riptide/flow/flow_output.hpp"
#include "riptide/core/thread_name.hpp"

#include <algorithm>
#include <bit>
#include <chrono>
#include <span>

#include "riptide/core/clock.hpp"
#include "riptide/core/futex.hpp"

namespace riptide {
namespace {

constexpr std::size_t kMaxChunk = 1024;  // records per sink write() call
constexpr std::int64_t kTickNs = 100'000'000;
// How long the thread sleeps with nothing to do. A ring a quarter full wakes it earlier, so
// this only bounds how late records reach the sinks when traffic is light.
constexpr auto kIdleSleep = std::chrono::milliseconds(20);

}  // namespace

FlowOutput::Producer::Producer(std::size_t capacity)
    : slots_(std::make_unique<FlowRecord[]>(std::bit_ceil(std::max<std::size_t>(capacity, 2)))),
      mask_(std::bit_ceil(std::max<std::size_t>(capacity, 2)) - 1) {}

std::size_t FlowOutput::Producer::push(const FlowRecord* recs, std::size_t n, bool wait) noexcept {
  const std::uint64_t cap = mask_ + 1;
  std::uint64_t head = head_.load(std::memory_order_relaxed);
  std::size_t done = 0;
  while (done < n) {
    const std::uint64_t tail = tail_.load(std::memory_order_acquire);
    const std::size_t room = static_cast<std::size_t>(cap - (head - tail));
    const std::size_t take = std::min(room, n - done);
    for (std::size_t i = 0; i < take; ++i) slots_[(head + i) & mask_] = recs[done + i];
    head += take;
    done += take;
    head_.store(head, std::memory_order_release);
    if (done == n) break;
    if (!wait || owner_->stop_.load(std::memory_order_acquire)) {
      // Only this thread writes these counters: a plain add, no read-modify-write.
      queue_full_.store(queue_full_.load(std::memory_order_relaxed) + (n - done), std::memory_order_relaxed);
      break;
    }
    // Files: wait for the output thread to make room rather than lose records.
    const std::uint32_t seen = owner_->progress_seq_.load(std::memory_order_acquire);
    owner_->waiters_.fetch_add(1, std::memory_order_acq_rel);
    if (tail_.load(std::memory_order_acquire) == tail) {
      owner_->sleeping_.store(false, std::memory_order_relaxed);
      futex_wake(owner_->wake_seq_);
      futex_wait_for(owner_->progress_seq_, seen, std::chrono::milliseconds(10));
    }
    owner_->waiters_.fetch_sub(1, std::memory_order_acq_rel);
  }
  pushed_.store(pushed_.load(std::memory_order_relaxed) + done, std::memory_order_relaxed);
  // A sleeping output thread is woken only once this ring is a quarter full: one system call
  // per many batches, none at all while the thread keeps up by polling.
  if (done > 0 && head - tail_.load(std::memory_order_relaxed) >= cap / 4 &&
      owner_->sleeping_.load(std::memory_order_acquire)) {
    owner_->sleeping_.store(false, std::memory_order_relaxed);
    futex_wake(owner_->wake_seq_);
  }
  return done;
}

Result<std::unique_ptr<FlowOutput>> FlowOutput::start(std::vector<std::unique_ptr<FlowRecordSink>> sinks,
                                                      const FlowOutputConfig& cfg) {
  if (sinks.empty()) return Error{Errc::invalid_argument, "flow output: no sink"};
  for (const auto& s : sinks)
    if (!s) return Error{Errc::invalid_argument, "flow output: a null sink"};
  std::unique_ptr<FlowOutput> o(new FlowOutput(std::move(sinks), cfg));
  try {
    o->thread_ = std::thread([p = o.get()] {
      name_this_thread("rt-flowout");
      p->run();
    });
  } catch (const std::system_error& e) {
    return Error{Errc::io, std::string("flow output thread: ") + e.what()};
  }
  return o;
}

FlowOutput::FlowOutput(std::vector<std::unique_ptr<FlowRecordSink>> sinks, const FlowOutputConfig& cfg)
    : cfg_(cfg),
      sinks_(std::move(sinks)),
      producers_(std::make_unique<std::unique_ptr<Producer>[]>(std::max<std::size_t>(cfg.max_producers, 1))) {}

FlowOutput::~FlowOutput() { close(); }

FlowOutput::Producer* FlowOutput::add_producer() {
  std::lock_guard lk(add_mu_);
  const std::size_t n = nproducers_.load(std::memory_order_relaxed);
  if (n >= std::max<std::size_t>(cfg_.max_producers, 1)) return nullptr;
  producers_[n] = std::make_unique<Producer>(cfg_.queue_records);
  producers_[n]->owner_ = this;
  nproducers_.store(n + 1, std::memory_order_release);
  return producers_[n].get();
}

bool FlowOutput::drain_once() noexcept {
  bool any = false;
  const std::size_t np = nproducers_.load(std::memory_order_acquire);
  for (std::size_t i = 0; i < np; ++i) {
    Producer& p = *producers_[i];
    const std::uint64_t head = p.head_.load(std::memory_order_acquire);
    std::uint64_t tail = p.tail_.load(std::memory_order_relaxed);
    while (tail != head) {
      // The contiguous run up to the ring's end: sinks read the slots in place, no copy.
      const std::size_t at = static_cast<std::size_t>(tail & p.mask_);
      const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(
          {head - tail, static_cast<std::uint64_t>(p.mask_ + 1 - at), static_cast<std::uint64_t>(kMaxChunk)}));
      const std::span<const FlowRecord> recs(&p.slots_[at], n);
      for (auto& s : sinks_) s->write(recs);
      tail += n;
      p.tail_.store(tail, std::memory_order_release);
      any = true;
    }
  }
  if (any && waiters_.load(std::memory_order_acquire) != 0) futex_wake(progress_seq_);
  return any;
}

void FlowOutput::run() noexcept {
  std::int64_t next_tick = monotonic_ns() + kTickNs;
  for (;;) {
    const bool stopping = stop_.load(std::memory_order_acquire);
    const bool any = drain_once();
    const std::int64_t now = monotonic_ns();
    if (now >= next_tick) {
      const TimestampNs wall = realtime_ns();
      for (auto& s : sinks_) s->tick(wall);
      next_tick = now + kTickNs;
    }
    // Stop was seen before this last drain: every record pushed before close() is out.
    if (stopping) break;
    if (any) continue;
    const std::uint32_t seen = wake_seq_.load(std::memory_order_acquire);
    sleeping_.store(true, std::memory_order_release);
    if (!stop_.load(std::memory_order_acquire))
      futex_wait_for(wake_seq_, seen, std::min<std::chrono::nanoseconds>(kIdleSleep, std::chrono::nanoseconds(std::max<std::int64_t>(next_tick - now, 0))));
    sleeping_.store(false, std::memory_order_relaxed);
  }
  for (auto& s : sinks_) s->close();
}

void FlowOutput::close() {
  if (closed_) return;
  closed_ = true;
  stop_.store(true, std::memory_order_release);
  futex_wake(wake_seq_);
  if (thread_.joinable()) thread_.join();
}

std::uint64_t FlowOutput::pushed() const noexcept {
  std::uint64_t n = 0;
  const std::size_t np = nproducers_.load(std::memory_order_acquire);
  for (std::size_t i = 0; i < np; ++i) n += producers_[i]->pushed();
  return n;
}

std::uint64_t FlowOutput::queue_full() const noexcept {
  std::uint64_t n = 0;
  const std::size_t np = nproducers_.load(std::memory_order_acquire);
  for (std::size_t i = 0; i < np; ++i) n += producers_[i]->queue_full();
  return n;
}

std::uint64_t FlowOutput::queued_now() const noexcept {
  std::uint64_t n = 0;
  const std::size_t np = nproducers_.load(std::memory_order_acquire);
  for (std::size_t i = 0; i < np; ++i) {
    const Producer& p = *producers_[i];
    const std::uint64_t tail = p.tail_.load(std::memory_order_acquire);
    const std::uint64_t head = p.head_.load(std::memory_order_acquire);
    n += head >= tail ? head - tail : 0;
  }
  return n;
}

}  // namespace riptide
