#pragma once
// The analyzers of one packet thread, each behind an exception guard: a throwing analyzer
// is counted and, past its error budget, switched off; the others and capture go on.
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "riptide/analyze/analyzer.hpp"

namespace riptide::engine {

class ThreadContext final : public AnalyzerContext {
 public:
  ThreadContext(std::size_t index, std::size_t count, bool live) : index_(index), count_(count), live_(live) {}
  std::size_t thread_index() const noexcept override { return index_; }
  std::size_t thread_count() const noexcept override { return count_; }
  bool live() const noexcept override { return live_; }
  bool send(std::span<const std::uint8_t> frame) override;
  // Placeholders until the compute pool and timers are wired in (issue 4): refuse.
  bool offload(std::unique_ptr<OffloadTask>) override { return false; }
  bool add_timer(std::chrono::nanoseconds, TimeBase, std::function<void(TimestampNs)>) override { return false; }
  std::uint64_t tx_refused() const noexcept { return tx_refused_.load(std::memory_order_relaxed); }

 private:
  std::size_t index_, count_;
  bool live_;
  std::atomic<std::uint64_t> tx_refused_{0};
};

class AnalyzerSet {
 public:
  struct Slot {
    std::unique_ptr<Analyzer> a;
    std::string name;
    std::atomic<std::uint64_t> errors{0};
    bool disabled = false;
  };

  AnalyzerSet(std::size_t index, std::size_t count, bool live, AnalyzerLimits limits)
      : ctx_(index, count, live), limits_(limits) {}
  void add(std::unique_ptr<Analyzer> a, std::string name);

  void start() noexcept;
  // The hot loop. A try block costs nothing until something throws (table-based unwinding).
  void packet(const PacketMeta& meta, const PacketView& pkt) noexcept {
    for (auto& sp : slots_) {
      Slot& s = *sp;
      if (s.disabled) continue;
      try {
        s.a->on_packet(meta, pkt);
      } catch (...) {
        fault(s, "on_packet");
      }
    }
  }
  void batch_end(TimestampNs now) noexcept;
  void tick(TimestampNs now) noexcept;
  void stop() noexcept;

  const std::vector<std::unique_ptr<Slot>>& slots() const noexcept { return slots_; }
  const ThreadContext& context() const noexcept { return ctx_; }

 private:
  void fault(Slot& s, const char* where) noexcept;
  ThreadContext ctx_;
  AnalyzerLimits limits_;
  std::vector<std::unique_ptr<Slot>> slots_;
};

}  // namespace riptide::engine
