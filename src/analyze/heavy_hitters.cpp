#include "riptide/analyze/heavy_hitters.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "heavy_hitters_window.hpp"
#include "riptide/analyze/period_merge.hpp"

namespace riptide {

namespace {
// The packet-thread index of the heavy-hitters instance running on this thread (set in on_start).
thread_local std::size_t tls_slot = 0;
}  // namespace

namespace hh {
using WindowPtr = std::unique_ptr<Window>;
// What the merge step hands to publish: the period's windows, one per thread that had packets.
struct Parts {
  std::vector<WindowPtr> w;
};
using Merged = PeriodMerge<WindowPtr, Parts>;
}  // namespace hh

namespace {
using hh::Merged;
using hh::Parts;
using hh::WindowPtr;
constexpr std::size_t kMaxSpares = 8;
}  // namespace

// Shared by every instance of one factory. The merge step only gathers the threads' windows
// (cheap, on the thread that completes the period); publish numbers the period's line and
// hands the heavy part to the pool. Lines come back in any order and leave in number order.
struct HeavyHittersFactory::State {
  HeavyHittersFactory& f;
  std::shared_ptr<hh::Merged> merge;
  std::mutex mu;  // everything below
  std::vector<hh::WindowPtr> spares;
  std::map<std::uint64_t, std::optional<std::string>> done;  // finished, waiting for earlier lines
  std::uint64_t next_seq = 0, next_write = 0;
  std::uint32_t in_flight = 0;
  bool have_end = false;
  TimestampNs prev_end = 0;  // the last line's window end (lines are numbered in period order)
  // Counted for the thread where each event happens (an instance's own thread, tls_slot), so
  // that each instance reports its own share and the engine's sum over instances, taken as each
  // thread stops, is the whole: a line written by one thread for every thread's windows counts
  // once, on the thread that wrote it.
  struct Counts {
    std::atomic<std::uint64_t> emitted{0}, refused{0}, skipped_busy{0}, computed_inline{0};
  };
  static constexpr std::size_t kSlots = 1024;
  std::array<Counts, kSlots> by_thread;
  Counts& here() noexcept { return by_thread[tls_slot % kSlots]; }

  explicit State(HeavyHittersFactory& fac) : f(fac) {}

  // A cleared window for the next period; allocated once per window when none is spare.
  WindowPtr take_spare() {
    {
      std::lock_guard lk(mu);
      if (!spares.empty()) {
        WindowPtr w = std::move(spares.back());
        spares.pop_back();
        return w;
      }
    }
    return std::make_unique<hh::Window>(f.cfg_);
  }

  // `ws` must be cleared already (clearing 300 KiB is left to the pool where it can be).
  void recycle(std::vector<WindowPtr>& ws) {
    std::lock_guard lk(mu);
    for (auto& w : ws)
      if (w && spares.size() < kMaxSpares) spares.push_back(std::move(w));
    ws.clear();
  }

  // Line `seq` is done (nullopt: lost, a gap the next lines must not wait for).
  void deliver(std::uint64_t seq, std::optional<std::string> line) {
    std::lock_guard lk(mu);
    done.emplace(seq, std::move(line));
    write_ready(false);
  }
  // The run is over: every line held goes out, whatever gap is left (a lost task never comes back).
  void flush_all() {
    std::lock_guard lk(mu);
    write_ready(true);
  }
  // Under mu.
  void write_ready(bool all) {
    for (auto it = done.begin(); it != done.end() && (all || it->first == next_write); it = done.erase(it)) {
      next_write = it->first + 1;
      if (!it->second || it->second->empty()) continue;
      f.write_line(std::move(*it->second));
      here().emitted.fetch_add(1, std::memory_order_relaxed);
    }
  }

  void publish(AnalyzerContext& ctx, std::int64_t period, Parts& parts, bool final);
};

namespace {

// Carries one period's windows to the compute pool and its line back.
class WindowTask final : public OffloadTask {
 public:
  WindowTask(std::shared_ptr<HeavyHittersFactory::State> st, std::vector<WindowPtr> w, std::uint32_t k,
             std::uint64_t seq, TimestampNs start, TimestampNs end)
      : st_(std::move(st)), w_(std::move(w)), k_(k), seq_(seq), start_(start), end_(end) {}
  void run() override {
    std::vector<hh::Window*> ptrs;
    for (auto& w : w_) ptrs.push_back(w.get());
    line_ = hh::merge_and_format(ptrs, k_, start_, end_);
    for (auto& w : w_) w->clear();
  }
  void complete() override {
    {
      std::lock_guard lk(st_->mu);
      --st_->in_flight;
    }
    st_->recycle(w_);
    st_->deliver(seq_, std::move(line_));
  }

 private:
  std::shared_ptr<HeavyHittersFactory::State> st_;
  std::vector<WindowPtr> w_;
  std::uint32_t k_;
  std::uint64_t seq_;
  TimestampNs start_, end_;
  std::string line_;
};

}  // namespace

void HeavyHittersFactory::State::publish(AnalyzerContext& ctx, std::int64_t period, Parts& parts, bool final) {
  if (parts.w.empty()) {  // no thread had packets: no line, no number
    if (final) flush_all();
    return;
  }
  const HeavyHittersConfig& cfg = f.cfg_;
  // The line's window: a whole period of the timers' grid (the same whatever the threads and
  // wherever each thread's batch crossed the boundary), the first from the first packet on,
  // the last (final) up to the last packet. Never before the previous line's end: lines stay
  // in time order, at most one per period.
  TimestampNs first = parts.w.front()->start, last = parts.w.front()->end;
  for (const auto& w : parts.w) {
    first = std::min(first, w->start);
    last = std::max(last, w->end);
  }
  const TimestampNs wnd = cfg.window.count();
  bool busy;
  std::uint64_t seq;
  TimestampNs start, end;
  {
    std::lock_guard lk(mu);
    const TimestampNs from = final ? first - ((first % wnd) + wnd) % wnd : static_cast<TimestampNs>(period * wnd);
    // A thread's window that began before its period (no timer fired in a gap) is not hidden.
    start = have_end ? std::max(prev_end, std::min(first, from)) : first;
    end = final ? std::max(last, start) : std::max(static_cast<TimestampNs>((period + 1) * wnd), start);
    have_end = true;
    prev_end = end;
    seq = next_seq++;
    busy = in_flight >= cfg.max_in_flight;
    if (!final && !(busy && ctx.live())) ++in_flight;
  }
  auto task = std::make_unique<WindowTask>(f.state_, std::move(parts.w), cfg.k, seq, start, end);
  if (final) {
    // Capture is over: formatting here delays no packet. Every earlier task has completed
    // (each before its thread's on_stop), so whatever is still held goes out now.
    task->run();
    {
      std::lock_guard lk(mu);
      ++in_flight;  // complete() takes it back
    }
    task->complete();
    flush_all();
    return;
  }
  if (busy && ctx.live()) {
    here().skipped_busy.fetch_add(1, std::memory_order_relaxed);
    task.reset();  // its windows are freed: they were not cleared, so not reused
    deliver(seq, std::nullopt);
    return;
  }
  if (busy) {
    // A file waits for nobody: a window the pool cannot take yet is computed here, on the
    // reading thread, rather than lost. Live, the skip above keeps capture first.
    here().computed_inline.fetch_add(1, std::memory_order_relaxed);
    task->run();
    task->complete();
    return;
  }
  if (!ctx.offload(std::move(task))) {
    {
      std::lock_guard lk(mu);
      --in_flight;
    }
    here().refused.fetch_add(1, std::memory_order_relaxed);
    deliver(seq, std::nullopt);
  }
}

namespace {

class HeavyHittersAnalyzer final : public Analyzer {
 public:
  HeavyHittersAnalyzer(const HeavyHittersConfig& cfg, std::size_t thread, std::shared_ptr<HeavyHittersFactory::State> st)
      : cfg_(cfg), thread_(thread), st_(std::move(st)), cur_(st_->take_spare()) {}

  std::string_view name() const noexcept override { return "heavy-hitters"; }

  void on_start(AnalyzerContext& ctx) override {
    ctx_ = &ctx;
    tls_slot = thread_;
    timer_ = ctx.add_timer(cfg_.window, TimeBase::packet, [this](TimestampNs now) { close_window(now); });
  }

  void on_packet(const PacketMeta& meta, const PacketView& pkt) override {
    if (cur_->packets == 0) cur_->start = window_start_for(pkt.ts_ns);
    cur_->add(meta, pkt.wirelen);
  }

  void on_batch_end(TimestampNs now) override {
    last_ts_ = now;
    if (timer_ || cur_->packets == 0) return;
    // No engine timer: windows aligned to multiples of `window`, closed up to one batch late.
    const TimestampNs end = cur_->start + cfg_.window.count();
    if (now >= end) close_window(end);
  }

  void on_stop() override {
    // Every thread must say it stopped, or the others' last periods wait for it.
    if (ctx_ == nullptr) return;
    WindowPtr last;
    if (cur_->packets != 0) {
      cur_->end = last_ts_ > cur_->start ? last_ts_ : cur_->start;
      last = std::move(cur_);
    }
    st_->merge->finish(*ctx_, std::move(last));
  }

  void counters(std::vector<AnalyzerCounter>& out) const override {
    // This thread's share (instances are summed by name); the merge's own figures once.
    const bool first = thread_ == 0;
    const auto& c = st_->by_thread[thread_ % HeavyHittersFactory::State::kSlots];
    auto v = [](const std::atomic<std::uint64_t>& a) { return a.load(std::memory_order_relaxed); };
    out.push_back({"windows_emitted", v(c.emitted)});
    out.push_back({"windows_refused", v(c.refused)});
    out.push_back({"windows_skipped_busy", v(c.skipped_busy)});
    out.push_back({"windows_computed_inline", v(c.computed_inline)});
    const auto ms = st_->merge->stats();
    out.push_back({"periods_partial", first ? ms.partial : 0});
    out.push_back({"snapshots_late", first ? ms.late : 0});
  }

 private:
  TimestampNs window_start_for(TimestampNs ts) const noexcept {
    if (timer_) return next_start_ != 0 ? next_start_ : ts;
    const TimestampNs wnd = cfg_.window.count();
    TimestampNs r = ts % wnd;
    if (r < 0) r += wnd;
    return ts - r;
  }

  // `end` is the packet time that crossed a multiple of the window (the timers' grid, or the
  // aligned end without timers): the window closed is the last whole one before it, the same
  // number on every thread.
  void close_window(TimestampNs end) {
    next_start_ = end;
    const TimestampNs wnd = cfg_.window.count();
    std::int64_t period = end / wnd - (end % wnd < 0 ? 1 : 0) - 1;
    if (have_period_ && period <= last_period_) period = last_period_ + 1;
    have_period_ = true;
    last_period_ = period;
    // A thread without packets still hands its (empty) part, so the period waits for nobody.
    WindowPtr w;
    if (cur_->packets != 0) {
      cur_->end = end;
      w = std::move(cur_);
      cur_ = st_->take_spare();
    }
    st_->merge->contribute(*ctx_, period, std::move(w));
  }

  const HeavyHittersConfig& cfg_;
  std::size_t thread_;
  std::shared_ptr<HeavyHittersFactory::State> st_;
  AnalyzerContext* ctx_ = nullptr;
  bool timer_ = false;
  WindowPtr cur_;
  TimestampNs next_start_ = 0;
  TimestampNs last_ts_ = 0;
  bool have_period_ = false;
  std::int64_t last_period_ = 0;
};

}  // namespace

Result<void> validate(const HeavyHittersConfig& cfg) {
  if (cfg.window.count() <= 0) return make_error(Errc::invalid_argument, "heavy-hitters: window must be > 0");
  if (cfg.k == 0 || cfg.k > HeavyHittersConfig::kMaxK)
    return make_error(Errc::invalid_argument,
                      "heavy-hitters: k must be 1.." + std::to_string(HeavyHittersConfig::kMaxK));
  if (cfg.cm_width == 0 || cfg.cm_width > CountMin::kMaxWidth || cfg.cm_depth == 0 || cfg.cm_depth > CountMin::kMaxDepth)
    return make_error(Errc::invalid_argument, "heavy-hitters: sketch width must be 1.." +
                                                  std::to_string(CountMin::kMaxWidth) + " and depth 1.." +
                                                  std::to_string(CountMin::kMaxDepth));
  if (cfg.max_in_flight == 0) return make_error(Errc::invalid_argument, "heavy-hitters: max_in_flight must be >= 1");
  if (cfg.queue_lines == 0) return make_error(Errc::invalid_argument, "heavy-hitters: the output queue must hold >= 1 line");
  return {};
}

Result<std::unique_ptr<HeavyHittersFactory>> HeavyHittersFactory::create(const HeavyHittersConfig& cfg) {
  if (auto v = validate(cfg); !v) return v.error();
  std::unique_ptr<QueuedLineOutput> out;
  if (!cfg.output.empty()) {
    auto o = QueuedLineOutput::open(cfg.output, "heavy-hitters", cfg.queue_lines);
    if (!o) return o.error();
    out = std::move(*o);
  }
  return std::unique_ptr<HeavyHittersFactory>(new HeavyHittersFactory(cfg, std::move(out)));
}

HeavyHittersFactory::HeavyHittersFactory(const HeavyHittersConfig& cfg, std::unique_ptr<QueuedLineOutput> out)
    : cfg_(cfg), out_(std::move(out)), state_(std::make_shared<State>(*this)) {
  std::weak_ptr<State> weak = state_;
  // Gathering is all the merge does; the heavy part is one pool task per period (publish).
  state_->merge = Merged::create(
      MergeOn::owner,
      [](std::int64_t, std::vector<WindowPtr>& parts) {
        Parts p;
        for (auto& w : parts)
          if (w) p.w.push_back(std::move(w));
        return p;
      },
      [weak](AnalyzerContext& ctx, std::int64_t period, Parts& parts, bool final) {
        if (auto st = weak.lock()) st->publish(ctx, period, parts, final);
      });
  // A file read gives the same windows whatever the threads: none is merged without a thread
  // that is only slower through the file.
  state_->merge->wait_on_files(true);
}

HeavyHittersFactory::~HeavyHittersFactory() {
  // The merge's callbacks hold the state weakly; the state refers to this factory.
  if (out_) out_->close();
}

std::unique_ptr<Analyzer> HeavyHittersFactory::create(std::size_t thread_index) {
  return std::make_unique<HeavyHittersAnalyzer>(cfg_, thread_index, state_);
}

void HeavyHittersFactory::write_line(std::string line) {
  if (out_) out_->push(std::move(line));
}

void HeavyHittersFactory::flush() {
  if (out_) out_->flush();
}

void HeavyHittersFactory::finish() {
  // Lines held back for an earlier one that never came (a thread that never stopped).
  state_->flush_all();
  if (out_) out_->close();
}

void HeavyHittersFactory::outputs(std::vector<OutputStatus>& out) const {
  if (!out_) return;
  const std::uint64_t full = out_->queue_full();
  std::string err = out_->error() ? out_->error()->message : "";
  if (full != 0 && err.empty())
    err = "window queue full: " + std::to_string(full) + " lines dropped (the output was slower than the windows)";
  out.push_back({"heavy-hitters", "windows", out_->target(), out_->written(), out_->dropped(), err});
}

void HeavyHittersFactory::output_counters(std::vector<OutputCounter>& out) const {
  if (!out_) return;
  out.push_back({"windows", "windows_queue_full", "heavy-hitter window lines dropped because the output queue was full",
                 out_->queue_full(), true, false,
                 "the window output (a slow disk or pipe) fell behind: capture went on without those windows; "
                 "write them to a faster disk or raise --hh-window"});
}

std::uint64_t HeavyHittersFactory::lines_written() const { return out_ ? out_->written() : 0; }
std::uint64_t HeavyHittersFactory::write_errors() const { return out_ ? out_->dropped() : 0; }

}  // namespace riptide
