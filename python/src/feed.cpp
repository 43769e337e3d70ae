#include "feed.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "riptide/core/clock.hpp"

namespace riptide::py {

Feed::Feed(FeedConfig cfg) : cfg_(std::move(cfg)) {
  cfg_.batch_packets = std::max<std::size_t>(cfg_.batch_packets, 1);
  cfg_.slots = std::max<std::size_t>(cfg_.slots, 2);
  // Room for the largest packet the engine can capture (snaplen 256 KiB), so any packet fits
  // an empty slot; more when the batch needs it at 256 B a packet.
  if (cfg_.with_bytes && cfg_.slot_bytes == 0) cfg_.slot_bytes = std::max<std::size_t>(cfg_.batch_packets * 256, 1u << 19);
}

std::size_t Feed::add_thread() {
  std::lock_guard lk(mu_);
  const std::size_t t = per_.size();
  auto p = std::make_unique<PerThread>();
  for (std::size_t i = 0; i < cfg_.slots; ++i) {
    auto s = std::make_unique<Slot>();
    s->recs.resize(cfg_.batch_packets);
    if (cfg_.with_bytes) {
      s->bytes.resize(cfg_.slot_bytes);
      s->offs.resize(cfg_.batch_packets + 1);
    }
    s->thread = static_cast<std::uint32_t>(t);
    p->free.push_back(s.get());
    p->slots.push_back(std::move(s));
  }
  // The ring holds every slot of every thread: publishing can never find it full.
  std::vector<Slot*> ring(ready_.size() + cfg_.slots);
  for (std::size_t i = 0; i < count_; ++i) ring[i] = ready_[(head_ + i) % ready_.size()];
  ready_ = std::move(ring);
  head_ = 0;
  per_.push_back(std::move(p));
  figs_.push_back(std::make_unique<FeedFigures>());
  pending_.push_back(std::make_unique<std::atomic<std::uint64_t>>(early_errors_));
  if (early_errors_ != 0) {
    figs_[t]->python_errors.store(early_errors_, std::memory_order_relaxed);
    per_[t]->first_error = std::move(early_error_);
    early_errors_ = 0;
  }
  return t;
}

Slot* Feed::acquire(std::size_t t) {
  std::unique_lock lk(mu_);
  auto& p = *per_[t];
  // A file's thread that ran out of slots sleeps until half of them are free again, not until
  // the first one is: with Python on the same core, waking per slot switches threads per batch
  // (about 6 % of the CPU of a read in perf) where this switches once per half queue.
  if (cfg_.wait_when_full && p.free.empty())
    free_cv_.wait(lk, [&] { return closed_ || p.free.size() >= resume_at(); });
  if (closed_ || p.free.empty()) return nullptr;
  Slot* s = p.free.back();
  p.free.pop_back();
  s->n = 0;
  s->used = 0;
  if (cfg_.with_bytes) s->offs[0] = 0;
  s->first_mono = monotonic_ns();
  return s;
}

void Feed::publish(Slot* s) {
  bool wake = true;
  {
    std::lock_guard lk(mu_);
    auto& p = *per_[s->thread];
    if (closed_) {
      p.free.push_back(s);
      return;
    }
    ready_[(head_ + count_++) % ready_.size()] = s;
    queued_.store(count_, std::memory_order_relaxed);
    ++p.published;
    // Waiting for a file (nothing is lost by reading later), Python is woken when half the
    // queue is ready, when this thread is about to run out of slots, or for a batch handed over
    // early (partly filled: Python was idle or the batch was old).
    if (cfg_.wait_when_full) wake = count_ >= resume_at() || p.free.empty() || s->n < cfg_.batch_packets;
  }
  auto& f = *figs_[s->thread];
  f.batches_queued.fetch_add(1, std::memory_order_relaxed);
  f.queued_packets.fetch_add(s->n, std::memory_order_relaxed);
  if (wake) ready_cv_.notify_one();
}

void Feed::producer_start(std::size_t t, AnalyzerContext* ctx) {
  if (t != 0) return;
  std::lock_guard lk(send_mu_);
  ctx0_ = ctx;
}

void Feed::producer_done(std::size_t t) {
  if (t == 0) {
    std::lock_guard lk(send_mu_);
    ctx0_ = nullptr;
  }
  std::unique_lock lk(mu_);
  auto& p = *per_[t];
  p.done = true;
  ready_cv_.notify_all();
  free_cv_.wait(lk, [&] { return closed_ || p.completed >= p.published; });
}

bool Feed::all_done_locked() const {
  return !per_.empty() && std::all_of(per_.begin(), per_.end(), [](const auto& p) { return p->done; });
}

void Feed::ack_locked() {
  if (last_thread_ == SIZE_MAX) return;
  auto& p = *per_[last_thread_];
  ++p.completed;
  figs_[last_thread_]->batches_done.fetch_add(1, std::memory_order_relaxed);
  last_thread_ = SIZE_MAX;
  // Only producer_done waits for completions; a thread still filling must not be woken for them.
  if (p.done) free_cv_.notify_all();
}

void Feed::wait_ready(std::int64_t timeout_ns) {
  std::unique_lock lk(mu_);
  ack_locked();
  if (count_ != 0 || all_done_locked() || closed_) return;
  waiting_.store(true, std::memory_order_relaxed);
  ready_cv_.wait_for(lk, std::chrono::nanoseconds(timeout_ns), [&] { return count_ != 0 || all_done_locked() || closed_; });
  waiting_.store(false, std::memory_order_relaxed);
}

Feed::Pop Feed::pop(Slot*& out, std::int64_t timeout_ns) {
  if (timeout_ns > 0) wait_ready(timeout_ns);
  std::lock_guard lk(mu_);
  ack_locked();
  if (count_ == 0) return all_done_locked() || closed_ ? Pop::end : Pop::timeout;
  out = ready_[head_];
  head_ = (head_ + 1) % ready_.size();
  queued_.store(--count_, std::memory_order_relaxed);
  last_thread_ = out->thread;
  return Pop::batch;
}

void Feed::release(Slot* s) {
  bool wake;
  {
    std::lock_guard lk(mu_);
    auto& free = per_[s->thread]->free;
    free.push_back(s);
    wake = free.size() >= resume_at() || closed_;
  }
  if (wake) free_cv_.notify_all();
}

void Feed::account(std::size_t t, std::uint64_t busy_ns) {
  if (t < figs_.size()) figs_[t]->busy_ns.fetch_add(busy_ns, std::memory_order_relaxed);
}

void Feed::close() {
  {
    std::lock_guard lk(mu_);
    closed_ = true;
  }
  free_cv_.notify_all();
  ready_cv_.notify_all();
}

bool Feed::ended() {
  std::lock_guard lk(mu_);
  return count_ == 0 && all_done_locked();
}

void Feed::report_error(std::size_t t, const std::string& msg) {
  std::lock_guard lk(mu_);
  if (per_.empty()) {
    // Before the engine made its instances (the analyzer's on_start in --python): kept for
    // the first packet thread.
    if (early_errors_++ == 0) early_error_ = msg;
    return;
  }
  if (t >= per_.size()) t = 0;
  figs_[t]->python_errors.fetch_add(1, std::memory_order_relaxed);
  if (per_[t]->first_error.empty()) per_[t]->first_error = msg;
  pending_[t]->fetch_add(1, std::memory_order_relaxed);
}

bool Feed::take_errors(std::size_t t, std::uint64_t& n, std::string& first) {
  std::lock_guard lk(mu_);
  n = pending_[t]->exchange(0, std::memory_order_relaxed);
  first = std::move(per_[t]->first_error);
  per_[t]->first_error.clear();
  return n != 0;
}

bool Feed::send(const std::uint8_t* p, std::size_t n) {
  bool ok = false;
  {
    std::lock_guard lk(send_mu_);
    if (ctx0_) ok = ctx0_->send({p, n});
  }
  if (!figs_.empty()) (ok ? figs_[0]->sent : figs_[0]->send_refused).fetch_add(1, std::memory_order_relaxed);
  return ok;
}

namespace {

class FeedAnalyzer final : public Analyzer {
 public:
  FeedAnalyzer(std::shared_ptr<Feed> feed, std::size_t t) : feed_(std::move(feed)), t_(t), name_(feed_->config().name) {}
  std::string_view name() const noexcept override { return name_; }
  void on_start(AnalyzerContext& ctx) override {
    feed_->producer_start(t_, &ctx);
    feed_->run_once();
  }

  void on_packet(const PacketMeta& meta, const PacketView& pkt) override { on_packets({&meta, 1}, {&pkt, 1}); }

  void on_packets(std::span<const PacketMeta> metas, std::span<const PacketView> pkts) override {
    const std::size_t n = std::min(metas.size(), pkts.size());
    const auto& cfg = feed_->config();
    for (std::size_t i = 0; i < n; ++i) {
      const PacketView& p = pkts[i];
      if (cur_ && (cur_->n == cfg.batch_packets || (cfg.with_bytes && cur_->used + p.caplen > cur_->bytes.size())))
        hand_over();
      if (!cur_ && !(cur_ = feed_->acquire(t_))) {
        feed_->figures(t_).queue_drops.fetch_add(n - i, std::memory_order_relaxed);
        break;
      }
      fill(cur_->recs[cur_->n], metas[i], p);
      if (cfg.with_bytes) {
        const std::size_t len = std::min<std::size_t>(p.caplen, cur_->bytes.size() - cur_->used);
        std::memcpy(cur_->bytes.data() + cur_->used, p.data, len);
        cur_->used += len;
        cur_->offs[cur_->n + 1] = cur_->used;
      }
      ++cur_->n;
    }
    throw_python_errors(true);
  }

  void on_batch_end(TimestampNs) override { maybe_hand_over(); }
  void on_tick(TimestampNs) override {
    maybe_hand_over();
    throw_python_errors(false);
  }
  void on_stop() override {
    if (cur_ && cur_->n) hand_over();
    if (cur_) feed_->release(cur_);
    cur_ = nullptr;
    feed_->producer_done(t_);
    throw_python_errors(false);
  }

  void counters(std::vector<AnalyzerCounter>& out) const override {
    const auto& f = feed_->figures(t_);
    const auto get = [](const std::atomic<std::uint64_t>& a) { return a.load(std::memory_order_relaxed); };
    out.push_back({"queue_drops", get(f.queue_drops)});
    out.push_back({"queued_packets", get(f.queued_packets)});
    out.push_back({"batches_queued", get(f.batches_queued)});
    out.push_back({"batches_done", get(f.batches_done)});
    out.push_back({"python_busy_ns", get(f.busy_ns)});
    out.push_back({"python_errors", get(f.python_errors)});
    out.push_back({"sent", get(f.sent)});
    out.push_back({"send_refused", get(f.send_refused)});
    out.push_back({"offload_refused", get(f.offload_refused)});
  }

 private:
  void hand_over() {
    feed_->publish(cur_);
    cur_ = nullptr;
  }
  void maybe_hand_over() {
    if (!cur_ || cur_->n == 0) return;
    // An idle Python gets what there is at once, for latency; except from a file (wait_when_full),
    // where that handed Python a few hundred packets per engine batch: ten times the batches,
    // and a thread switch for each, against full ones.
    const auto& cfg = feed_->config();
    if ((!cfg.wait_when_full && feed_->consumer_idle()) || monotonic_ns() - cur_->first_mono >= cfg.max_delay_ns)
      hand_over();
  }
  // Python's exceptions since the last call, as the engine counts an analyzer's: one error
  // each, the first one's message printed.
  // From on_packets, PacketErrors makes the engine count all k; elsewhere it counts one.
  void throw_python_errors(bool in_packets) {
    if (!feed_->has_errors(t_)) return;
    std::uint64_t k = 0;
    std::string first;
    if (!feed_->take_errors(t_, k, first)) return;
    if (in_packets) throw PacketErrors(k, std::make_exception_ptr(std::runtime_error(first)));
    if (k > 1) first += " (and " + std::to_string(k - 1) + " more)";
    throw std::runtime_error(first);
  }

  std::shared_ptr<Feed> feed_;
  std::size_t t_;
  std::string name_;
  Slot* cur_ = nullptr;
};

}  // namespace

std::unique_ptr<Analyzer> FeedFactory::create(std::size_t) {
  return std::make_unique<FeedAnalyzer>(feed_, feed_->add_thread());
}

void FeedFactory::finish() {
  if (auto fn = std::move(on_finish_)) {
    on_finish_ = nullptr;
    fn();
  }
}

}  // namespace riptide::py
