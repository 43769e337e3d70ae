// The packet output thread: merges the capture threads' queues by timestamp into the writer.
#include "riptide/file/packet_output.hpp"
#include "riptide/core/thread_name.hpp"

#include <algorithm>
#include <limits>
#include <mutex>
#include <thread>
#include <vector>

#include "file/packet_ring.hpp"
#include "riptide/core/futex.hpp"

namespace riptide {

using file_detail::PacketRing;
using Clock = std::chrono::steady_clock;

namespace {
constexpr TimestampNs kNever = std::numeric_limits<TimestampNs>::max();

// Figures one producer writes once per batch and others read.
struct alignas(64) ProducerShared {
  std::atomic<std::uint64_t> offered{0}, dropped{0};
  std::atomic<TimestampNs> watermark{std::numeric_limits<TimestampNs>::min()};
  std::atomic<bool> done{false};
  std::atomic<bool> waiting{false};  // wait_when_full: sleeping for room
  std::uint64_t offered_local = 0, dropped_local = 0;  // the producer's own
  TimestampNs mark_local = std::numeric_limits<TimestampNs>::min();
};
}  // namespace

struct PacketOutput::Impl {
  PacketOutputConfig cfg;
  std::unique_ptr<PacketWriter> writer;
  std::vector<std::unique_ptr<PacketRing>> rings;
  std::vector<std::unique_ptr<ProducerShared>> prod;
  std::thread thread;
  std::function<void()> on_ended;

  std::atomic<std::uint32_t> wake{0};   // the output thread sleeps on it
  std::atomic<bool> sleeping{false};
  std::atomic<std::uint32_t> room{0};   // producers waiting for room sleep on it
  std::atomic<bool> finishing{false};
  std::atomic<bool> finished{false};
  std::atomic<bool> reopen{false};

  // Published by the output thread after each pass.
  std::atomic<std::uint64_t> written{0}, link_mismatch{0}, failed{0}, beyond{0}, files{0}, bytes{0}, out_of_order{0};
  mutable std::mutex err_mu;
  std::string first_error;

  void note_error(const std::string& e) {
    std::lock_guard lk(err_mu);
    if (first_error.empty()) first_error = e;
  }

  void publish_stats() noexcept {
    const auto s = writer->stats();
    written.store(s.packets, std::memory_order_relaxed);
    link_mismatch.store(s.link_mismatch, std::memory_order_relaxed);
    failed.store(s.dropped_after_error, std::memory_order_relaxed);
    beyond.store(s.beyond_last_file, std::memory_order_relaxed);
    files.store(s.files, std::memory_order_relaxed);
    bytes.store(s.bytes, std::memory_order_relaxed);
  }

  void write_one(const PacketView& v) {
    if (auto r = writer->write(v); !r) note_error(r.error().message);
  }

  // Writes every packet the merge allows now. Returns how many.
  std::uint64_t pass(bool draining, TimestampNs& last_ts, std::size_t& last_ring,
                     std::optional<Clock::time_point>& held_since) {
    std::uint64_t n = 0;
    const std::size_t k = rings.size();
    std::vector<PacketView> heads(k);
    std::vector<bool> has(k);
    for (std::size_t i = 0; i < k; ++i) has[i] = rings[i]->peek(heads[i]);
    for (;;) {
      std::size_t best = k;
      for (std::size_t i = 0; i < k; ++i)
        if (has[i] && (best == k || heads[i].ts_ns < heads[best].ts_ns)) best = i;
      if (best == k) break;
      // Another queue with nothing in it may still bring an earlier packet, up to its mark.
      TimestampNs bound = kNever;
      bool pressed = false;
      for (std::size_t i = 0; i < k; ++i) {
        if (!has[i] && !prod[i]->done.load(std::memory_order_acquire))
          bound = std::min(bound, prod[i]->watermark.load(std::memory_order_acquire));
        if (has[i] && rings[i]->consumer_used() > rings[i]->capacity() / 2) pressed = true;
      }
      if (heads[best].ts_ns > bound && !draining && !pressed) {
        const auto now = Clock::now();
        if (!held_since) held_since = now;
        if (now - *held_since < cfg.max_hold) break;
      }
      held_since.reset();
      // Only disorder the merge made: a queue's own order is its capture thread's.
      if (heads[best].ts_ns < last_ts && best != last_ring) out_of_order.fetch_add(1, std::memory_order_relaxed);
      last_ts = std::max(last_ts, heads[best].ts_ns);
      last_ring = best;
      write_one(heads[best]);
      rings[best]->pop(heads[best]);
      ++n;
      if ((n & 63) == 0) rings[best]->release();
      has[best] = rings[best]->peek(heads[best]);
      if (writer->ended() && on_ended) {
        auto f = std::exchange(on_ended, {});
        f();
      }
    }
    for (std::size_t i = 0; i < k; ++i) {
      rings[i]->release();
      if (prod[i]->waiting.load(std::memory_order_acquire)) futex_wake(room);
    }
    return n;
  }

  bool all_done_and_empty() {
    for (std::size_t i = 0; i < rings.size(); ++i) {
      if (!prod[i]->done.load(std::memory_order_acquire)) return false;
      PacketView v;
      if (rings[i]->peek(v)) return false;
    }
    return true;
  }

  void run() {
    TimestampNs last_ts = std::numeric_limits<TimestampNs>::min();
    std::size_t last_ring = 0;
    std::optional<Clock::time_point> held_since;
    auto last_flush = Clock::now();
    bool unflushed = false;
    for (;;) {
      const std::uint32_t seen = wake.load(std::memory_order_acquire);
      const bool draining = finishing.load(std::memory_order_acquire);
      const std::uint64_t n = pass(draining && all_producers_done(), last_ts, last_ring, held_since);
      unflushed |= n != 0;
      const auto now = Clock::now();
      if (reopen.exchange(false, std::memory_order_acq_rel)) {
        if (auto r = writer->reopen(); !r) note_error(r.error().message);
        unflushed = false;
        last_flush = now;
      } else if (unflushed && (cfg.flush_every_batch || now - last_flush >= cfg.flush_interval)) {
        if (auto r = writer->flush(); !r) note_error(r.error().message);
        unflushed = false;
        last_flush = now;
      }
      publish_stats();
      if (draining && all_done_and_empty()) break;
      if (n != 0) continue;
      // Nothing to write now: sleep until a producer wakes us, the next flush, or a held
      // packet's time is up.
      auto wait = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::milliseconds(200));
      if (unflushed) wait = std::min(wait, std::chrono::duration_cast<std::chrono::nanoseconds>(cfg.flush_interval - (now - last_flush)));
      if (held_since) wait = std::min(wait, std::chrono::nanoseconds(std::chrono::milliseconds(10)));
      sleeping.store(true, std::memory_order_relaxed);
      file_detail::full_fence();
      if (!finishing.load(std::memory_order_acquire) && !reopen.load(std::memory_order_relaxed))
        futex_wait_for(wake, seen, std::max(wait, std::chrono::nanoseconds(1'000'000)));
      sleeping.store(false, std::memory_order_relaxed);
    }
    if (auto r = writer->close(); !r) note_error(r.error().message);
    publish_stats();
    finished.store(true, std::memory_order_release);
    futex_wake(room);
  }

  bool all_producers_done() const noexcept {
    for (const auto& p : prod)
      if (!p->done.load(std::memory_order_acquire)) return false;
    return true;
  }

  void wake_output(bool urgent) noexcept {
    if (!urgent) return;
    file_detail::full_fence();
    if (sleeping.load(std::memory_order_relaxed)) futex_wake(wake);
  }
};

Result<std::unique_ptr<PacketOutput>> PacketOutput::open(const PacketOutputConfig& cfg) {
  if (cfg.producers == 0 || cfg.producers > 256) return make_error(Errc::invalid_argument, "packet output: 1 to 256 producers");
  if (cfg.queue_bytes < (64u << 10)) return make_error(Errc::invalid_argument, "packet output: queue below 64 KiB");
  auto impl = std::make_unique<Impl>();
  impl->cfg = cfg;
  if (impl->cfg.writer.snaplen == 0 || impl->cfg.writer.snaplen > kMaxSnaplen) impl->cfg.writer.snaplen = kMaxSnaplen;
  auto w = open_packet_writer(cfg.path, impl->cfg.writer, cfg.start_ns);
  if (!w) return w.error();
  impl->writer = std::move(*w);
  for (std::size_t i = 0; i < cfg.producers; ++i) {
    impl->rings.push_back(std::make_unique<PacketRing>(cfg.queue_bytes));
    impl->prod.push_back(std::make_unique<ProducerShared>());
  }
  impl->publish_stats();
  return std::unique_ptr<PacketOutput>(new PacketOutput(std::move(impl)));
}

PacketOutput::PacketOutput(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

PacketOutput::~PacketOutput() {
  if (!impl_) return;
  if (impl_->thread.joinable()) {
    if (!impl_->finished.load(std::memory_order_acquire) && !finish(std::chrono::milliseconds(2000))) {
      // A thread stuck in a write (a reader that never reads): leave it its state.
      impl_->thread.detach();
      (void)impl_.release();
      return;
    }
    if (impl_->thread.joinable()) impl_->thread.join();
  }
}

Result<void> PacketOutput::start(std::function<void()> on_ended) {
  impl_->on_ended = std::move(on_ended);
  try {
    impl_->thread = std::thread([this] {
      name_this_thread("rt-pcapout");
      impl_->run();
    });
  } catch (const std::system_error& e) {
    return make_error(Errc::internal, std::string("packet output thread: ") + e.what());
  }
  return {};
}

std::size_t PacketOutput::push(std::size_t producer, std::span<const PacketView> pkts) noexcept {
  auto& ring = *impl_->rings[producer];
  auto& p = *impl_->prod[producer];
  const std::uint32_t snap = impl_->cfg.writer.snaplen;
  std::size_t queued = 0;
  for (const auto& v : pkts) {
    if (ring.put(v, snap)) {
      ++queued;
      p.mark_local = std::max(p.mark_local, v.ts_ns);
      continue;
    }
    if (!impl_->cfg.wait_when_full || impl_->finished.load(std::memory_order_acquire) ||
        !ring.ever_fits(v.caplen < snap ? v.caplen : snap)) {
      ++p.dropped_local;
      continue;
    }
    // A file read: nothing is lost by waiting for the output thread to make room.
    ring.publish();
    p.waiting.store(true, std::memory_order_release);
    bool put = false;
    while (!put && !impl_->finished.load(std::memory_order_acquire)) {
      const std::uint32_t seen = impl_->room.load(std::memory_order_acquire);
      file_detail::full_fence();
      futex_wake(impl_->wake);
      if ((put = ring.put(v, snap))) break;
      futex_wait_for(impl_->room, seen, std::chrono::milliseconds(10));
    }
    p.waiting.store(false, std::memory_order_relaxed);
    if (put) {
      ++queued;
      p.mark_local = std::max(p.mark_local, v.ts_ns);
    } else {
      ++p.dropped_local;
    }
  }
  p.offered_local += pkts.size();
  ring.publish();
  p.offered.store(p.offered_local, std::memory_order_relaxed);
  p.dropped.store(p.dropped_local, std::memory_order_relaxed);
  p.watermark.store(p.mark_local, std::memory_order_release);
  impl_->wake_output(impl_->cfg.flush_every_batch || ring.used_estimate() > ring.capacity() / 4);
  return queued;
}

void PacketOutput::idle(std::size_t producer, TimestampNs ts) noexcept {
  auto& p = *impl_->prod[producer];
  if (ts <= p.mark_local) return;
  p.mark_local = ts;
  p.watermark.store(ts, std::memory_order_release);
}

void PacketOutput::producer_done(std::size_t producer) noexcept {
  impl_->prod[producer]->done.store(true, std::memory_order_release);
  impl_->wake_output(true);
}

void PacketOutput::request_reopen() noexcept {
  impl_->reopen.store(true, std::memory_order_release);
  futex_wake(impl_->wake);
}

bool PacketOutput::finish(std::chrono::milliseconds limit) {
  if (!impl_->thread.joinable()) {
    // Never started: close what was opened.
    if (!impl_->finished.exchange(true)) {
      if (auto r = impl_->writer->close(); !r) impl_->note_error(r.error().message);
      impl_->publish_stats();
    }
    return true;
  }
  impl_->finishing.store(true, std::memory_order_release);
  futex_wake(impl_->wake);
  const auto until = Clock::now() + limit;
  while (!impl_->finished.load(std::memory_order_acquire)) {
    if (Clock::now() >= until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  impl_->thread.join();
  return true;
}

PacketOutputStats PacketOutput::stats() const noexcept {
  PacketOutputStats s;
  for (const auto& p : impl_->prod) {
    s.offered += p->offered.load(std::memory_order_relaxed);
    s.queue_drops += p->dropped.load(std::memory_order_relaxed);
  }
  s.written = impl_->written.load(std::memory_order_relaxed);
  s.link_mismatch = impl_->link_mismatch.load(std::memory_order_relaxed);
  s.failed = impl_->failed.load(std::memory_order_relaxed);
  s.beyond_last_file = impl_->beyond.load(std::memory_order_relaxed);
  s.files = impl_->files.load(std::memory_order_relaxed);
  s.bytes = impl_->bytes.load(std::memory_order_relaxed);
  s.out_of_order = impl_->out_of_order.load(std::memory_order_relaxed);
  return s;
}

std::string PacketOutput::error() const {
  std::lock_guard lk(impl_->err_mu);
  return impl_->first_error;
}

const std::string& PacketOutput::path() const noexcept { return impl_->cfg.path; }

}  // namespace riptide
