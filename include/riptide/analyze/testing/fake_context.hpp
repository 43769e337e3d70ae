#pragma once
// An AnalyzerContext for unit tests of an analyzer, riptide's own and users' (installed with
// riptide): frames sent are recorded, timers fire only when the test says so, offloaded tasks
// run when the test pumps them (inline or on a std::thread). Header-only; needs no engine.
//
// **Example**
//   riptide::test::FakeContext ctx(0, 1);     // thread 0 of 1
//   my.on_start(ctx);
//   my.on_packet(meta, view);
//   ctx.fire(riptide::TimeBase::wall, now);   // every wall timer once
//   ctx.pump();                               // offloaded work, then its done()
//   if (ctx.flows_subscribed) my.on_flows(records);  // what the flow meter would deliver
//   EXPECT_EQ(ctx.frames.size(), 1u);
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <thread>
#include <vector>

#include "riptide/analyze/analyzer.hpp"

namespace riptide::test {

class FakeContext final : public AnalyzerContext {
 public:
  enum class Offload {
    queue,     // keep tasks until pump(): run() then complete() on the caller's thread
    threaded,  // run() starts at once on its own std::thread; pump() joins, then complete()
    refuse,    // offload() returns false and destroys the task
  };

  struct Timer {
    std::chrono::nanoseconds period;
    TimeBase base;
    std::function<void(TimestampNs)> fn;
  };

  explicit FakeContext(std::size_t index = 0, std::size_t count = 1) : index_(index), count_(count) {}
  ~FakeContext() override { join_all(); }

  // Knobs.
  bool live_ = false;
  bool send_ok = true;
  bool timers_ok = true;
  bool flows_ok = true;  // subscribe_flows() accepts
  Offload offload_mode = Offload::queue;
  InterfaceInfo iface;  // what interface() returns
  std::size_t max_frame = kMaxSendFrame;  // what max_send_frame() returns; longer frames are refused

  // Records.
  std::vector<std::vector<std::uint8_t>> frames;  // accepted by send()
  std::uint64_t sends_refused = 0;
  std::uint64_t offloads_refused = 0;
  std::vector<Timer> timers;
  bool flows_subscribed = false;            // subscribe_flows() was called and accepted
  std::vector<FlowRecord> published_flows;  // every record publish_flows() was given

  std::size_t thread_index() const noexcept override { return index_; }
  std::size_t thread_count() const noexcept override { return count_; }
  bool live() const noexcept override { return live_; }
  const InterfaceInfo& interface() const noexcept override { return iface; }
  std::size_t max_send_frame() const noexcept override { return max_frame; }

  bool send(std::span<const std::uint8_t> frame) override {
    if (!send_ok || frame.empty() || frame.size() > max_frame) {  // as the engine refuses
      ++sends_refused;
      return false;
    }
    frames.emplace_back(frame.begin(), frame.end());
    return true;
  }

  using AnalyzerContext::offload;  // the (work, done) form
  bool offload(std::unique_ptr<OffloadTask> task) override {
    if (offload_mode == Offload::refuse) {
      ++offloads_refused;
      return false;
    }
    Pending p;
    p.task = std::move(task);
    if (offload_mode == Offload::threaded) {
      OffloadTask* t = p.task.get();
      p.worker = std::thread([t] { t->run(); });
    }
    pending_.push_back(std::move(p));
    return true;
  }

  bool add_timer(std::chrono::nanoseconds period, TimeBase base, std::function<void(TimestampNs)> fn) override {
    if (!timers_ok || period.count() <= 0) return false;
    timers.push_back({period, base, std::move(fn)});
    return true;
  }

  bool subscribe_flows() override {
    if (flows_ok) flows_subscribed = true;
    return flows_ok;
  }
  void publish_flows(std::span<const FlowRecord> records) override {
    published_flows.insert(published_flows.end(), records.begin(), records.end());
  }

  // Calls every timer of `base` once with `now`.
  void fire(TimeBase base, TimestampNs now) {
    for (auto& t : timers)
      if (t.base == base) t.fn(now);
  }

  // Finishes every pending task (run() if not yet run, then complete()). Returns how many.
  std::size_t pump() {
    std::vector<Pending> batch;
    batch.swap(pending_);
    for (auto& p : batch) {
      if (p.worker.joinable())
        p.worker.join();
      else
        p.task->run();
      p.task->complete();
    }
    return batch.size();
  }
  std::size_t pending() const noexcept { return pending_.size(); }

 private:
  struct Pending {
    std::unique_ptr<OffloadTask> task;
    std::thread worker;
  };
  void join_all() {
    for (auto& p : pending_)
      if (p.worker.joinable()) p.worker.join();
  }
  std::size_t index_, count_;
  std::vector<Pending> pending_;
};

}  // namespace riptide::test
