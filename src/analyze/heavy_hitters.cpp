#include "riptide/analyze/heavy_hitters.hpp"

#include <map>
#include <optional>
#include <string>

#include "heavy_hitters_window.hpp"

namespace riptide {
namespace {

class HeavyHittersAnalyzer;

// Carries a finished window to the compute pool and its JSON line back.
class WindowTask final : public OffloadTask {
 public:
  WindowTask(HeavyHittersAnalyzer& owner, std::unique_ptr<hh::Window> w, std::uint32_t k, std::size_t thread,
             std::uint64_t seq)
      : owner_(owner), w_(std::move(w)), k_(k), thread_(thread), seq_(seq) {}
  void run() override { line_ = hh::format_window(*w_, k_, thread_); }
  void complete() override;

 private:
  HeavyHittersAnalyzer& owner_;
  std::unique_ptr<hh::Window> w_;
  std::uint32_t k_;
  std::size_t thread_;
  std::uint64_t seq_;  // the window's place in this thread's output
  std::string line_;
};

class HeavyHittersAnalyzer final : public Analyzer {
 public:
  HeavyHittersAnalyzer(HeavyHittersFactory& f, std::size_t thread)
      : factory_(f), cfg_(f.config()), thread_(thread), cur_(std::make_unique<hh::Window>(cfg_)) {}

  std::string_view name() const noexcept override { return "heavy-hitters"; }

  void on_start(AnalyzerContext& ctx) override {
    ctx_ = &ctx;
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
    if (cur_->packets == 0) return;
    // Capture is over: formatting here delays no packet.
    cur_->end = last_ts_ > cur_->start ? last_ts_ : cur_->start;
    write_in_order();
    factory_.write_line(hh::format_window(*cur_, cfg_.k, thread_));
    ++emitted_;
    cur_->clear();
  }

  void counters(std::vector<AnalyzerCounter>& out) const override {
    out.push_back({"windows_emitted", emitted_});
    out.push_back({"windows_refused", refused_});
    out.push_back({"windows_skipped_busy", skipped_busy_});
    out.push_back({"windows_computed_inline", computed_here_});
  }

  // From WindowTask::complete(), on this thread. Windows computed on the pool finish in any
  // order (and one computed here when the pool is busy overtakes them): lines wait in
  // `done_` until every earlier window of this thread is out, so the output is in time order.
  void window_done(std::unique_ptr<hh::Window> w, const std::string& line, std::uint64_t seq) {
    --in_flight_;
    done_.emplace(seq, line);
    write_in_order();
    if (!spare_) {
      w->clear();
      spare_ = std::move(w);
    }
  }

 private:
  TimestampNs window_start_for(TimestampNs ts) const noexcept {
    if (timer_) return next_start_ != 0 ? next_start_ : ts;
    const TimestampNs wnd = cfg_.window.count();
    TimestampNs r = ts % wnd;
    if (r < 0) r += wnd;
    return ts - r;
  }

  void close_window(TimestampNs end) {
    next_start_ = end;
    if (cur_->packets == 0) return;
    cur_->end = end;
    const bool busy = in_flight_ >= cfg_.max_in_flight;
    if (busy && ctx_->live()) {
      ++skipped_busy_;
      cur_->clear();
      return;
    }
    // The spare comes back from complete(); without one (first windows, a refusal, several in
    // flight) a new state is allocated here, once per window, never per packet.
    std::unique_ptr<hh::Window> next = spare_ ? std::move(spare_) : std::make_unique<hh::Window>(cfg_);
    const std::uint64_t seq = next_seq_++;
    auto task = std::make_unique<WindowTask>(*this, std::move(cur_), cfg_.k, thread_, seq);
    cur_ = std::move(next);
    ++in_flight_;
    if (busy) {
      // A file waits for nobody: a window the pool cannot take yet is computed here, on the
      // reading thread, rather than lost. Live, the skip above keeps capture first.
      ++computed_here_;
      task->run();
      task->complete();
      return;
    }
    if (!ctx_->offload(std::move(task))) {
      --in_flight_;
      ++refused_;
      done_.emplace(seq, std::nullopt);  // a gap later windows must not wait for
      write_in_order();
    }
  }

  void write_in_order() {
    for (auto it = done_.begin(); it != done_.end() && it->first == next_write_; it = done_.erase(it), ++next_write_) {
      if (!it->second) continue;
      factory_.write_line(*it->second);
      ++emitted_;
    }
  }

  HeavyHittersFactory& factory_;
  const HeavyHittersConfig& cfg_;
  std::size_t thread_;
  AnalyzerContext* ctx_ = nullptr;
  bool timer_ = false;
  std::unique_ptr<hh::Window> cur_;
  std::unique_ptr<hh::Window> spare_;
  TimestampNs next_start_ = 0;
  TimestampNs last_ts_ = 0;
  std::uint32_t in_flight_ = 0;
  std::uint64_t next_seq_ = 0, next_write_ = 0;
  std::map<std::uint64_t, std::optional<std::string>> done_;  // finished, waiting for earlier windows
  std::uint64_t emitted_ = 0, refused_ = 0, skipped_busy_ = 0, computed_here_ = 0;
};

void WindowTask::complete() { owner_.window_done(std::move(w_), line_, seq_); }

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
  return {};
}

Result<std::unique_ptr<HeavyHittersFactory>> HeavyHittersFactory::create(const HeavyHittersConfig& cfg) {
  if (auto v = validate(cfg); !v) return v.error();
  std::unique_ptr<LineOutput> out;
  if (!cfg.output.empty()) {
    auto o = LineOutput::open(cfg.output, "heavy-hitters");
    if (!o) return o.error();
    out = std::move(*o);
  }
  return std::unique_ptr<HeavyHittersFactory>(new HeavyHittersFactory(cfg, std::move(out)));
}

HeavyHittersFactory::HeavyHittersFactory(const HeavyHittersConfig& cfg, std::unique_ptr<LineOutput> out)
    : cfg_(cfg), out_(std::move(out)) {}

HeavyHittersFactory::~HeavyHittersFactory() = default;

std::unique_ptr<Analyzer> HeavyHittersFactory::create(std::size_t thread_index) {
  return std::make_unique<HeavyHittersAnalyzer>(*this, thread_index);
}

void HeavyHittersFactory::write_line(std::string_view line) {
  std::lock_guard lk(mu_);
  if (!out_) return;
  // One write() per window: a tail -f reader is current, and a line is never cut in half.
  line_.assign(line);
  line_ += '\n';
  out_->write_lines(line_.data(), line_.size(), 1);
}

void HeavyHittersFactory::finish() {
  std::lock_guard lk(mu_);
  if (out_) out_->close();
}

void HeavyHittersFactory::outputs(std::vector<OutputStatus>& out) const {
  std::lock_guard lk(mu_);
  if (!out_) return;
  out.push_back({"heavy-hitters", "windows", out_->target(), out_->written(), out_->dropped(),
                 out_->error() ? out_->error()->message : ""});
}

std::uint64_t HeavyHittersFactory::lines_written() const {
  std::lock_guard lk(mu_);
  return out_ ? out_->written() : 0;
}
std::uint64_t HeavyHittersFactory::write_errors() const {
  std::lock_guard lk(mu_);
  return out_ ? out_->dropped() : 0;
}

}  // namespace riptide
