#pragma once
// TxThread: the one thread that transmits on a TxSocket. It drains a TxQueue in batches
// (frames queued by any number of producers) and sends periodic frames on an absolute
// CLOCK_MONOTONIC grid: deadline k is first + k*period, slept to with clock_nanosleep
// TIMER_ABSTIME, so lateness never accumulates into drift. A deadline that has passed by
// more than one period is skipped and counted in `missed` (the grid is kept, no catch-up
// burst).
//
// While the queue is empty the thread sleeps until the next periodic deadline, until a frame
// is queued (the queue wakes it), or for at most TxThreadConfig::idle_poll_ns.
#include <atomic>
#include <memory>
#include <cstdint>
#include <span>
#include <thread>
#include <vector>

#include "riptide/core/clock.hpp"  // monotonic_ns(): the clock of every deadline here
#include "riptide/core/result.hpp"
#include "riptide/transmit/tx_queue.hpp"
#include "riptide/transmit/tx_socket.hpp"

namespace riptide {

struct TxThreadConfig {
  // Longest idle sleep. Queued frames and stop() wake the thread at once, so this is only a
  // safety net; an idle capture should not wake up hundreds of times a second for nothing.
  std::int64_t idle_poll_ns = 1'000'000'000;
  int cpu = -1;  // pin the thread to this CPU; -1: no pinning
};

struct PeriodicStats {
  std::uint64_t sends = 0;
  std::uint64_t missed = 0;        // deadlines skipped because the thread was > 1 period late
  std::int64_t max_late_ns = 0;    // largest (send time - deadline)
  std::int64_t total_late_ns = 0;  // sum over sends: mean = total_late_ns / sends
};

class TxThread {
 public:
  TxThread(TxSocket sock, TxQueue& queue, TxThreadConfig cfg = {});
  ~TxThread();  // stops and joins
  TxThread(const TxThread&) = delete;
  TxThread& operator=(const TxThread&) = delete;

  // Before start(). Sends `frame` every period_ns, first at first_deadline_ns on
  // CLOCK_MONOTONIC (0: one period after start()). Returns the id for periodic_stats().
  Result<std::size_t> add_periodic(std::span<const std::uint8_t> frame, std::int64_t period_ns,
                                   std::int64_t first_deadline_ns = 0);

  Result<void> start();
  // Sends what is still queued, then joins. Idempotent.
  void stop();
  bool running() const noexcept { return thread_.joinable(); }

  // Safe while running (relaxed counters).
  PeriodicStats periodic_stats(std::size_t id) const;
  // Socket counters; read them after stop() (the thread updates them unsynchronised).
  const TxSocket& socket() const noexcept { return sock_; }

 private:
  struct Periodic {
    std::vector<std::uint8_t> frame;
    std::int64_t period_ns = 0;
    std::int64_t next_ns = 0;
    std::atomic<std::uint64_t> sends{0}, missed{0};
    std::atomic<std::int64_t> max_late{0}, total_late{0};
  };
  void run();
  bool drain_once();
  void send_due(std::int64_t now);

  TxSocket sock_;
  TxQueue& queue_;
  TxThreadConfig cfg_;
  std::vector<std::unique_ptr<Periodic>> periodic_;
  std::vector<std::span<const std::uint8_t>> batch_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace riptide
