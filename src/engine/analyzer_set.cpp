#include "engine/analyzer_set.hpp"

#include <algorithm>
#include <cstdio>
#include <exception>

#include "riptide/core/clock.hpp"

namespace riptide::engine {

bool ThreadContext::send(std::span<const std::uint8_t> frame) {
  // No transmit path, a full queue or an oversized frame: refused and counted here.
  if (svc_.tx && svc_.tx->enqueue(frame)) return true;
  if (svc_.tx && frame.size() > svc_.tx->slot_bytes()) tx_oversize_.fetch_add(1, std::memory_order_relaxed);
  tx_refused_.fetch_add(1, std::memory_order_relaxed);
  return false;
}

bool ThreadContext::offload(std::unique_ptr<OffloadTask> task) {
  if (!svc_.pool) {
    if (task) offload_refused_.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  return set_.offload(std::move(task));
}

bool ThreadContext::subscribe_flows() { return set_.subscribe_flows(); }

void ThreadContext::publish_flows(std::span<const FlowRecord> records) { set_.publish_flows(records); }

bool ThreadContext::add_timer(std::chrono::nanoseconds period, TimeBase base, std::function<void(TimestampNs)> fn) {
  if (period.count() <= 0 || !fn) return false;
  return set_.add_timer(period.count(), base, std::move(fn));
}

bool AnalyzerSet::offload(std::unique_ptr<OffloadTask> task) {
  return svc_.pool->submit(ctx_.thread_index(), current_, std::move(task));
}

bool AnalyzerSet::add_timer(TimestampNs period, TimeBase base, std::function<void(TimestampNs)> fn) {
  if (stopped_) return false;
  // Wall timers start one period after registration; packet timers are armed by the first
  // batch, on a grid of whole periods of packet time so that files give the same firings.
  const TimestampNs next = base == TimeBase::wall ? riptide::realtime_ns() + period : 0;
  timers_.push_back(std::make_unique<Timer>(Timer{current_, period, base, next, std::move(fn)}));
  if (base == TimeBase::packet) packet_deadline_ = std::numeric_limits<TimestampNs>::min();
  else wall_deadline_ = std::min(wall_deadline_, next);
  return true;
}

void AnalyzerSet::add(std::unique_ptr<Analyzer> a, std::string name) {
  auto s = std::make_unique<Slot>();
  s->a = std::move(a);
  s->name = std::move(name);
  slots_.push_back(std::move(s));
}

namespace {
// The message of the exception being handled (call inside a catch block) or of `e`.
std::string describe(std::exception_ptr e = nullptr) noexcept {
  try {
    if (e) std::rethrow_exception(e);
    throw;
  } catch (const std::exception& x) {
    return x.what();
  } catch (...) {
  }
  return "unknown exception";
}
}  // namespace

Result<void> AnalyzerSet::add(AnalyzerFactory& f) {
  const std::string name(f.name());
  std::unique_ptr<Analyzer> a;
  try {
    a = f.create(ctx_.thread_index());
  } catch (...) {
    return make_error(Errc::invalid_argument, "analyzer '" + name + "': create() failed: " + describe());
  }
  if (!a) return make_error(Errc::invalid_argument, "analyzer '" + name + "': create() returned no analyzer");
  add(std::move(a), name);
  return {};
}

std::vector<std::string> finish_factories(std::span<const std::unique_ptr<AnalyzerFactory>> factories) noexcept {
  std::vector<std::string> errs;
  for (const auto& f : factories) {
    if (!f) continue;
    try {
      f->finish();
    } catch (...) {
      try {
        errs.push_back("analyzer '" + std::string(f->name()) + "': finish() failed: " + describe());
      } catch (...) {  // out of memory while reporting: nothing better to do
      }
    }
  }
  return errs;
}

void find_stuck(const AnalyzerSet& set, TimestampNs now, std::chrono::nanoseconds threshold,
                std::vector<std::string>& lines) {
  for (const auto& s : set.slots()) {
    const TimestampNs t0 = s->call_started_ns.load(std::memory_order_relaxed);
    if (t0 == 0 || now - t0 <= threshold.count()) continue;
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.1f", static_cast<double>(now - t0) / 1e9);
    lines.push_back("analyzer '" + s->name + "' (thread " + std::to_string(set.context().thread_index()) +
                    ") stuck in one call for " + buf + " s");
  }
}

void AnalyzerSet::fault(Slot& s, const char* where) noexcept { count_errors(s, 1, where, describe()); }

void AnalyzerSet::fault_packets(Slot& s, const PacketErrors& e) noexcept {
  count_errors(s, e.count(), "on_packet", describe(e.first()));
}

void AnalyzerSet::count_errors(Slot& s, std::uint64_t k, const char* where, const std::string& what) noexcept {
  const auto n = s.errors.fetch_add(k, std::memory_order_relaxed) + k;
  if (n == k)
    std::fprintf(stderr, "riptide: analyzer '%s' (thread %zu) threw in %s: %s\n", s.name.c_str(),
                 ctx_.thread_index(), where, what.c_str());
  if (n >= limits_.max_errors && !s.disabled.load(std::memory_order_relaxed)) {
    s.disabled.store(true, std::memory_order_relaxed);
    std::fprintf(stderr, "riptide: analyzer '%s' (thread %zu) disabled after %llu errors; capture goes on\n",
                 s.name.c_str(), ctx_.thread_index(), static_cast<unsigned long long>(n));
  }
}

void AnalyzerSet::start() noexcept {
  for (std::uint32_t i = 0; i < slots_.size(); ++i) guarded(i, "on_start", [&] { slots_[i]->a->on_start(ctx_); });
  warn_unfed_flow_subscribers();
}

namespace {
// The first multiple of period after now. Saturates: a capture whose clock sits near the
// end of the representable range (a corrupt or synthetic timestamp) parks the timer
// instead of overflowing into the past and firing forever.
TimestampNs next_on_grid(TimestampNs now, TimestampNs period) noexcept {
  constexpr TimestampNs kNever = std::numeric_limits<TimestampNs>::max();
  if (period <= 0) return kNever;
  const TimestampNs base = now < 0 ? 0 : now - now % period;
  if (base > kNever - period) return kNever;
  return base + period;
}
}  // namespace

void AnalyzerSet::fire_timers(TimeBase base, TimestampNs now) noexcept {
  // By index: a callback may register another timer (push_back), never remove one.
  const std::size_t n = timers_.size();
  for (std::size_t i = 0; i < n; ++i) {
    Timer& t = *timers_[i];
    if (t.base != base) continue;
    if (t.next == 0) {
      t.next = next_on_grid(now, t.period);
      continue;
    }
    if (now < t.next || t.next == std::numeric_limits<TimestampNs>::max()) continue;
    // Once per crossing, however many periods were skipped (a gap in a file, a stalled
    // thread), then back on the grid: no burst of catch-up calls.
    t.next = next_on_grid(now, t.period);
    Slot& s = *slots_[t.slot];
    if (s.disabled.load(std::memory_order_relaxed)) continue;
    s.timer_fires.fetch_add(1, std::memory_order_relaxed);
    guarded(t.slot, "a timer", [&] { t.fn(now); });
  }
  if (base == TimeBase::wall) {
    wall_deadline_ = std::numeric_limits<TimestampNs>::max();
    for (const auto& t : timers_)
      if (t->base == TimeBase::wall) wall_deadline_ = std::min(wall_deadline_, t->next);
    return;
  }
  packet_deadline_ = std::numeric_limits<TimestampNs>::max();
  for (const auto& t : timers_)
    if (t->base == TimeBase::packet) packet_deadline_ = std::min(packet_deadline_, t->next == 0 ? now : t->next);
}

void AnalyzerSet::run_completions() noexcept {
  if (!svc_.pool) return;
  // A complete() may offload again; those come back at a later call.
  if (svc_.pool->collect(ctx_.thread_index(), done_) == 0) return;
  for (auto& d : done_) {
    Slot& s = *slots_[d.tag];
    if (s.disabled.load(std::memory_order_relaxed)) continue;
    current_ = d.tag;
    if (d.run_error) {
      count_errors(s, 1, "an offloaded task", describe(d.run_error));
      continue;
    }
    guarded(d.tag, "an offloaded task's complete()", [&] { d.task->complete(); });
  }
  done_.clear();  // destroys the tasks here, on the owning thread
  if (flow_n_ != 0) deliver_flows();
}

void AnalyzerSet::batch_end(TimestampNs now) noexcept {
  for (std::uint32_t i = 0; i < slots_.size(); ++i) {
    if (slots_[i]->disabled.load(std::memory_order_relaxed)) continue;
    guarded(i, "on_batch_end", [&] { slots_[i]->a->on_batch_end(now); });
  }
  if (flow_n_ != 0) deliver_flows();
  run_completions();
}

void AnalyzerSet::tick(TimestampNs now) noexcept {
  for (std::uint32_t i = 0; i < slots_.size(); ++i) {
    if (slots_[i]->disabled.load(std::memory_order_relaxed)) continue;
    guarded(i, "on_tick", [&] { slots_[i]->a->on_tick(now); });
  }
  if (!timers_.empty()) fire_timers(TimeBase::wall, now);
  if (flow_n_ != 0) deliver_flows();
  run_completions();
}

void AnalyzerSet::stop() noexcept {
  // Every offloaded result reaches its analyzer before on_stop; a complete() that offloads
  // again is waited for too.
  if (svc_.pool) {
    const std::size_t me = ctx_.thread_index();
    do {
      svc_.pool->wait_idle(me);
      run_completions();
    } while (svc_.pool->busy(me));
  }
  stopped_ = true;
  if (flow_n_ != 0) deliver_flows();
  // Even a disabled analyzer is stopped: it may hold output that must be flushed. Flow
  // publishers stop first: the flows still open at the end reach subscribers still running.
  for (const bool publishers : {true, false}) {
    for (std::uint32_t i = 0; i < slots_.size(); ++i) {
      Slot& s = *slots_[i];
      if (s.stopped || s.flow_publisher.load(std::memory_order_relaxed) != publishers) continue;
      guarded(i, kOnStop, [&] { s.a->on_stop(); });
      s.stopped = true;
      if (flow_n_ != 0) deliver_flows();
    }
  }
}

}  // namespace riptide::engine
