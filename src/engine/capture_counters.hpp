#pragma once
// What a packet thread publishes for readers on other threads (status line, stats JSON,
// Prometheus, SIGUSR1 report), and how, so that a mid-run figure is real and consistent.
#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "riptide/analyze/analyzer.hpp"
#include "riptide/decode/decoder.hpp"

namespace riptide::engine {

// The running totals of one capture thread; the ledger's identity holds for them after every
// batch: captured == filtered + beyond + processed + dispatched + queue_drops + in_progress.
struct CaptureTotals {
  std::uint64_t captured = 0, bytes = 0, filtered = 0, beyond = 0;
  std::uint64_t processed = 0;    // workers topology: through every analyzer on this thread
  std::uint64_t dispatched = 0;   // dispatch topology: into a worker's queue
  std::uint64_t queue_drops = 0;  // dispatch topology: a worker's queue was full
  std::uint64_t iface_losses = 0;
  // Captured, not yet accounted for: the batch the thread is working on (filter, -w, decode,
  // analyzers). Published non-zero at the start of a batch and 0 at its end, so a mid-run
  // snapshot shows those packets as in flight instead of not yet captured.
  std::uint64_t in_progress = 0;
};

// Published once per batch under a sequence lock: the writer never waits, and a reader gets
// the totals of one batch boundary, never captured from after a batch with processed from
// before it (the torn read that made mid-run ledgers fail while nothing was wrong).
class CaptureCounters {
 public:
  static constexpr std::size_t kFields = sizeof(CaptureTotals) / sizeof(std::uint64_t);
  static_assert(sizeof(CaptureTotals) == kFields * sizeof(std::uint64_t));

  // Owning thread only.
  void publish(const CaptureTotals& t) noexcept {
    // No fences (ThreadSanitizer does not model them): release stores keep the odd sequence
    // number ahead of the new values, acquire loads keep the second read of it behind them.
    // On x86 both are plain moves.
    const std::uint32_t s = seq_.load(std::memory_order_relaxed);
    seq_.store(s + 1, std::memory_order_relaxed);
    const auto* src = reinterpret_cast<const std::uint64_t*>(&t);
    for (std::size_t i = 0; i < kFields; ++i) v_[i].store(src[i], std::memory_order_release);
    seq_.store(s + 2, std::memory_order_release);
  }
  // Any thread.
  CaptureTotals read() const noexcept {
    CaptureTotals t;
    auto* dst = reinterpret_cast<std::uint64_t*>(&t);
    for (;;) {
      const std::uint32_t s1 = seq_.load(std::memory_order_acquire);
      if (s1 & 1u) continue;
      for (std::size_t i = 0; i < kFields; ++i) dst[i] = v_[i].load(std::memory_order_acquire);
      if (seq_.load(std::memory_order_relaxed) == s1) return t;
    }
  }

 private:
  std::atomic<std::uint32_t> seq_{0};
  std::atomic<std::uint64_t> v_[kFields]{};
};

// Decode figures: the capture thread counts into `working` with no lock, and copies it into
// `stats` under the lock at each tick and at the end (10 times a second at most), which other
// threads read. A published copy lags the ledger, so decode.packets <= captured holds too.
struct PublishedDecode {
  DecodeStats working;  // the capture thread only
  mutable std::mutex mu;
  DecodeStats stats;
  void publish() noexcept {
    std::lock_guard lk(mu);
    stats = working;
  }
};

// Each analyzer's own counters(), taken on its thread at each tick and at stop: counters()
// is not thread-safe, so other threads read this copy.
struct PublishedAnalyzers {
  mutable std::mutex mu;
  std::vector<std::vector<AnalyzerCounter>> by_slot;
};

}  // namespace riptide::engine
