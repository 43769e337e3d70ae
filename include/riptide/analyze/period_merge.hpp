#pragma once
// PeriodMerge: one global view per period out of the per-thread instances of an analyzer.
//
// Each packet thread has its own instance (analyzer.hpp), so a per-thread count is a partial
// count. The factory makes one PeriodMerge and hands it (a shared_ptr) to every instance; at
// each period boundary each instance hands it a snapshot of its own state for that period,
// and starts the next period from empty. When every packet thread has handed its snapshot
// for a period (or has stopped), one merge runs over all of them, and one publish with its
// result: one result, and one frame, per period whatever --threads is.
//
// Periods are numbered by the caller, normally now / period on the timer's time base (wall
// timers fire on whole multiples of their period, a little late: the same number on every
// thread). Each thread hands its periods in increasing order, and may skip some (no timer
// fired in them): a period a thread skipped is complete without it once it hands a later
// one. A period some thread never reports (it was stalled past two more periods) is merged
// without it and counted in `partial`; its snapshot, when it comes, in `late` and discarded
// (unless wait_on_files() asked files to wait).
//
// Where things run:
//  - merge(period, parts) on the compute pool (MergeOn::pool: for long calculations; when
//    the pool refuses, on the owner thread and counted in `merged_inline`) or on the thread
//    that handed the last snapshot (MergeOn::owner: cheap merges). It gets the snapshots by
//    value and must not touch an analyzer.
//  - publish(ctx, period, result, final) on the thread that handed the last snapshot (ctx is
//    that thread's context: it may send()). Calls never overlap (a mutex), so publish may keep
//    running totals in state it captures. Owner merges publish oldest period first; with
//    several pool threads a late pool merge may publish after a later period.
//  - finish(ctx, snapshot) from on_stop: the last thread to stop merges what is still open
//    and its final snapshots inline (on_stop is past the offload guarantee), final = true.
//
// Cost: a mutex per thread per period, nothing per packet.
#include <algorithm>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <iterator>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include "riptide/analyze/analyzer.hpp"

namespace riptide {

enum class MergeOn : std::uint8_t { pool, owner };

struct PeriodMergeStats {
  std::uint64_t merged = 0;         // periods published
  std::uint64_t partial = 0;        // merged without some running thread's snapshot
  std::uint64_t late = 0;           // snapshots for a period already merged: discarded
  std::uint64_t merged_inline = 0;  // MergeOn::pool merges the pool refused, run on the owner
};

template <class Snapshot, class Result>
class PeriodMerge : public std::enable_shared_from_this<PeriodMerge<Snapshot, Result>> {
 public:
  using Merge = std::function<Result(std::int64_t period, std::vector<Snapshot>& parts)>;
  using Publish = std::function<void(AnalyzerContext& ctx, std::int64_t period, Result& result, bool final)>;

  static std::shared_ptr<PeriodMerge> create(MergeOn where, Merge merge, Publish publish) {
    return std::shared_ptr<PeriodMerge>(new PeriodMerge(where, std::move(merge), std::move(publish)));
  }

  // The instance on ctx's thread hands its snapshot for `period`.
  void contribute(AnalyzerContext& ctx, std::int64_t period, Snapshot s) {
    std::vector<Ready> ready;
    std::optional<std::uint64_t> turn;
    {
      std::lock_guard lk(mu_);
      init(ctx);
      if (period <= last_merged_) {
        ++stats_.late;
        return;
      }
      // Periods come in order from each thread: one it skipped holds nothing of it.
      seen_[ctx.thread_index()] = std::max(seen_[ctx.thread_index()], period);
      Open& o = open_[period];
      if (o.from.empty()) o.from.assign(threads_, 0);
      if (o.from[ctx.thread_index()] == 0) {
        o.from[ctx.thread_index()] = 1;
        o.parts.push_back(std::move(s));
      }
      take_ready(ready, false);
      if (!ready.empty()) turn = next_turn_++;
    }
    if (!turn) return;
    Turn t(*this, *turn);
    for (auto& r : ready) run(ctx, std::move(r), false);
  }

  // From on_stop: ctx's thread hands its last (partial-period) snapshot and will hand no more.
  void finish(AnalyzerContext& ctx, Snapshot s) {
    std::vector<Ready> ready;
    bool last = false;
    std::optional<std::uint64_t> turn;
    std::vector<Snapshot> finals;
    std::int64_t final_period = 0;
    {
      std::lock_guard lk(mu_);
      init(ctx);
      if (stopped_[ctx.thread_index()] == 0) {
        stopped_[ctx.thread_index()] = 1;
        ++nstopped_;
        final_parts_.push_back(std::move(s));
      }
      last = nstopped_ == threads_;
      take_ready(ready, last);
      if (last) finals.swap(final_parts_);
      final_period = last_merged_ + 1;
      if (!ready.empty() || last) turn = next_turn_++;
    }
    if (!turn) return;
    Turn t(*this, *turn);
    for (auto& r : ready) run(ctx, std::move(r), true);
    if (last) {
      Result res = merge_(final_period, finals);
      std::lock_guard lk(publish_mu_);
      publish_(ctx, final_period, res, true);
    }
  }

  // Files (ctx.live() false): wait for every thread however far behind it is, rather than
  // merge a period without it (two periods behind, above). For packet-time periods, which the
  // threads reading one file reach at their own pace: nothing is then late or partial. Call
  // before the threads start.
  void wait_on_files(bool on) {
    std::lock_guard lk(mu_);
    wait_on_files_ = on;
  }

  PeriodMergeStats stats() const {
    std::lock_guard lk(mu_);
    return stats_;
  }

 private:
  struct Open {
    std::vector<char> from;  // per thread: snapshot handed
    std::vector<Snapshot> parts;
  };
  struct Ready {
    std::int64_t period;
    std::vector<Snapshot> parts;
  };

  // Periods leave take_ready() oldest first, but two threads that each complete one run them
  // after letting go of mu_: each waits for its turn, handed out under mu_, so merges on the
  // owner publish oldest first. A turn is short (an offload, or a cheap merge and publish).
  class Turn {
   public:
    Turn(PeriodMerge& m, std::uint64_t t) : m_(m) {
      std::unique_lock lk(m_.turn_mu_);
      m_.turn_cv_.wait(lk, [&] { return m_.serving_ == t; });
    }
    ~Turn() {
      {
        std::lock_guard lk(m_.turn_mu_);
        ++m_.serving_;
      }
      m_.turn_cv_.notify_all();
    }
    Turn(const Turn&) = delete;
    Turn& operator=(const Turn&) = delete;

   private:
    PeriodMerge& m_;
  };

  PeriodMerge(MergeOn where, Merge merge, Publish publish)
      : where_(where), merge_(std::move(merge)), publish_(std::move(publish)) {}

  void init(AnalyzerContext& ctx) {
    if (threads_ != 0) return;
    threads_ = std::max<std::size_t>(ctx.thread_count(), 1);
    stopped_.assign(threads_, 0);
    seen_.assign(threads_, std::numeric_limits<std::int64_t>::min());
    patient_ = wait_on_files_ && !ctx.live();
  }

  // Moves the periods that can be merged, oldest first, into `out`. Under mu_.
  void take_ready(std::vector<Ready>& out, bool all) {
    while (!open_.empty()) {
      auto it = open_.begin();
      bool complete = true;
      for (std::size_t t = 0; t < threads_; ++t)
        if (it->second.from[t] == 0 && stopped_[t] == 0 && seen_[t] < it->first) complete = false;
      // A thread two periods behind is not waited for: its period goes out without it.
      const bool overtaken = !patient_ && std::prev(open_.end())->first >= it->first + 2;
      if (!complete && !overtaken && !all) break;
      if (!complete) ++stats_.partial;
      ++stats_.merged;
      last_merged_ = it->first;
      out.push_back(Ready{it->first, std::move(it->second.parts)});
      open_.erase(it);
    }
  }

  void run(AnalyzerContext& ctx, Ready r, bool stopping) {
    if (where_ == MergeOn::pool && !stopping) {
      auto self = this->shared_from_this();
      auto held = std::make_shared<Ready>(std::move(r));  // survives a refusal
      if (ctx.offload([self, held] { return self->merge_(held->period, held->parts); },
                      [self, &ctx, period = held->period](Result res) {
                        std::lock_guard lk(self->publish_mu_);
                        self->publish_(ctx, period, res, false);
                      }))
        return;
      {
        std::lock_guard lk(mu_);
        ++stats_.merged_inline;
      }
      r = std::move(*held);
    }
    Result res = merge_(r.period, r.parts);
    std::lock_guard lk(publish_mu_);
    publish_(ctx, r.period, res, false);
  }

  MergeOn where_;
  Merge merge_;
  Publish publish_;
  mutable std::mutex mu_;
  std::mutex publish_mu_;
  std::size_t threads_ = 0, nstopped_ = 0;
  std::vector<char> stopped_;
  std::vector<std::int64_t> seen_;  // per thread: the latest period it handed
  bool wait_on_files_ = false, patient_ = false;
  std::map<std::int64_t, Open> open_;
  std::vector<Snapshot> final_parts_;
  std::int64_t last_merged_ = std::numeric_limits<std::int64_t>::min();
  PeriodMergeStats stats_;
  std::uint64_t next_turn_ = 0;  // under mu_
  std::mutex turn_mu_;
  std::condition_variable turn_cv_;
  std::uint64_t serving_ = 0;  // under turn_mu_
};

}  // namespace riptide
