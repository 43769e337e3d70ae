#include "riptide/engine/engine.hpp"

#include <linux/filter.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <climits>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <mutex>
#include <thread>

#include "engine/analyzer_set.hpp"
#include "riptide/capture/afpacket_source.hpp"
#include "riptide/capture/iface_stats.hpp"
#include "riptide/capture/pcap_live_source.hpp"
#include "riptide/decode/decoder.hpp"
#include "riptide/dispatch/dispatcher.hpp"
#include "riptide/file/capture_file.hpp"
#include "riptide/file/pcap_writer.hpp"
#include "riptide/filter/bpf_filter.hpp"
#include "riptide/transmit/tx_thread.hpp"

namespace riptide {

std::string_view to_string(Backend b) noexcept {
  switch (b) {
    case Backend::afpacket: return "afpacket";
    case Backend::pcap: return "pcap";
    case Backend::file: return "file";
  }
  return "?";
}

std::string_view to_string(Topology t) noexcept {
  return t == Topology::workers ? "workers" : "dispatch";
}

namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kPollTimeout = std::chrono::milliseconds(100);
constexpr TimestampNs kTickNs = 100'000'000;

TimestampNs wall_ns() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<TimestampNs>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

bool pin_to_cpu(int cpu) noexcept {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  return pthread_setaffinity_np(pthread_self(), sizeof(set), &set) == 0;
}

// Counters one capture thread writes and anyone may read (single writer, relaxed).
struct CaptureCounters {
  std::atomic<std::uint64_t> captured{0}, bytes{0}, filtered{0}, beyond{0}, processed{0}, iface_losses{0};
  void add(std::atomic<std::uint64_t>& c, std::uint64_t n) noexcept {
    c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
};

// The watching thread sleeps on a futex word until it has something to do (a status line, a
// stats line, the end of --duration) or is woken: a stop request or a capture thread ending.
// Polling instead costs a wake-up every few milliseconds for the whole run, even when idle.
static_assert(sizeof(std::atomic<std::uint32_t>) == sizeof(std::uint32_t) &&
              std::atomic<std::uint32_t>::is_always_lock_free);

void futex_wait_for(std::atomic<std::uint32_t>& word, std::uint32_t seen, Clock::duration d) noexcept {
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(d).count();
  if (ns <= 0) return;
  timespec ts{static_cast<time_t>(ns / 1'000'000'000), static_cast<long>(ns % 1'000'000'000)};
  // EAGAIN (the word already moved), EINTR and ETIMEDOUT all mean "look again".
  ::syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word), FUTEX_WAIT_PRIVATE, seen, &ts, nullptr, 0);
}

void futex_wake(std::atomic<std::uint32_t>& word) noexcept {
  word.fetch_add(1, std::memory_order_release);
  ::syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word), FUTEX_WAKE_PRIVATE, INT_MAX, nullptr, nullptr, 0);
}

std::optional<std::uint64_t> delta(const std::optional<std::uint64_t>& a, const std::optional<std::uint64_t>& b) {
  if (!a || !b) return std::nullopt;
  return *b >= *a ? *b - *a : 0;
}

}  // namespace

struct Engine::Impl {
  EngineConfig cfg;
  std::vector<std::unique_ptr<AnalyzerFactory>> factories;

  // Sources: one per capture thread. Typed pointers for backend-specific calls.
  std::vector<std::unique_ptr<PacketSource>> sources;
  std::vector<AfPacketSource*> afpacket;  // same order as sources (live afpacket only)
  CaptureFile* file = nullptr;
  std::optional<BpfFilter> user_filter;  // files: the filter runs here, not in a kernel
  std::unique_ptr<PcapWriter> writer;
  std::mutex writer_mu;
  std::string writer_error;
  LinkType link = LinkType::ethernet;

  // Services offered to analyzers through their context.
  std::unique_ptr<OffloadPool> pool;
  std::unique_ptr<TxQueue> txq;
  std::unique_ptr<TxThread> tx;
  std::string tx_iface;
  std::string block_timeout_why;  // live: where capture.block_timeout_ms came from
  TxStats tx_final{};  // socket counters, read once the transmit thread stopped

  std::unique_ptr<Dispatcher> dispatcher;
  struct Handler;
  std::unique_ptr<Handler> handler;

  // One AnalyzerSet per packet thread (capture threads in `workers`, workers in `dispatch`).
  std::vector<std::unique_ptr<engine::AnalyzerSet>> sets;
  std::vector<std::unique_ptr<CaptureCounters>> counters;  // per capture thread
  std::vector<DecodeStats> decode_stats;                        // per capture thread, read after join
  std::vector<std::atomic<std::uint64_t>> worker_processed; // per dispatch worker
  std::vector<std::string> errors;
  std::mutex errors_mu;

  std::atomic<bool> stopping{false};     // finish: drain and stop (signal, -c, duration)
  std::atomic<bool> fatal{false};
  std::atomic<std::uint64_t> remaining;  // -c budget
  std::atomic<unsigned> capture_running{0};
  std::atomic<std::uint32_t> main_wake{0};  // futex word of the watching thread
  IfaceCounters if_start;
  Clock::time_point started;
  double elapsed_s = 0;
  bool live() const { return cfg.backend != Backend::file; }

  explicit Impl(std::size_t workers) : worker_processed(workers) {}

  void add_error(std::string e) {
    std::lock_guard lk(errors_mu);
    errors.push_back(std::move(e));
  }
  Result<void> open_sources();
  Result<void> open_outputs();
  Result<void> open_tx();
  void capture_loop(std::size_t idx);
  void process_batch(std::size_t idx, PacketBatch& batch, std::array<PacketMeta, PacketBatch::kCapacity>& metas);
  bool handle_source_error(std::size_t idx, const Error& e);
  void freeze(std::size_t idx) noexcept;
  RunReport collect(bool final) const;
};

// Runs the analyzers of each dispatch worker.
struct Engine::Impl::Handler final : WorkerHandler {
  Impl& e;
  // The dispatcher has no start hook: each worker starts its analyzers on its own thread at
  // its first call, so on_start, timers and complete() all run on the thread of on_packet.
  std::vector<char> started;  // per worker, touched only by that worker's thread
  explicit Handler(Impl& impl) : e(impl), started(impl.sets.size(), 0) {}
  engine::AnalyzerSet& set_of(std::size_t w) {
    if (!started[w]) {
      started[w] = 1;
      e.sets[w]->start();
    }
    return *e.sets[w];
  }
  void on_items(std::size_t w, std::span<const WorkItem> items) override {
    auto& set = set_of(w);
    TimestampNs newest = 0;
    for (const auto& it : items) {
      set.packet(it.meta, it.pkt);
      newest = std::max(newest, it.pkt.ts_ns);
    }
    set.batch_end(newest);
    auto& p = e.worker_processed[w];
    p.store(p.load(std::memory_order_relaxed) + items.size(), std::memory_order_relaxed);
  }
  void on_tick(std::size_t w, TimestampNs now) override { set_of(w).tick(now); }
  TimestampNs next_deadline(std::size_t w) override { return set_of(w).next_wall_deadline(); }
  void on_stop(std::size_t w) override { set_of(w).stop(); }
};

Result<void> Engine::Impl::open_sources() {
  if (cfg.backend == Backend::file) {
    auto f = open_capture_file(cfg.read_file);
    if (!f) return f.error();
    file = f->get();
    link = file->link_type();
    if (!cfg.filter.empty()) {
      auto bf = BpfFilter::compile(cfg.filter, link, std::max<std::uint32_t>(file->snaplen(), 65535));
      if (!bf) return bf.error();
      user_filter.emplace(std::move(*bf));
    }
    sources.push_back(std::move(*f));
    return {};
  }

  std::optional<BpfFilter> kernel_filter;
  if (!cfg.filter.empty() && cfg.backend == Backend::afpacket) {
    auto bf = BpfFilter::compile_for_interface(cfg.filter, cfg.capture.iface, cfg.capture.snaplen);
    if (!bf) return bf.error();
    kernel_filter.emplace(std::move(*bf));
    cfg.capture.bpf = kernel_filter->kernel_program();  // copied by open()
  }
  if (cfg.backend == Backend::pcap) {
    if (cfg.capture_threads != 1)
      return make_error(Errc::invalid_argument, "the pcap backend has no fanout: use one capture thread");
    auto s = PcapLiveSource::open(cfg.capture, cfg.filter);
    if (!s) return s.error();
    link = (*s)->link_type();
    sources.push_back(std::move(*s));
  } else if (cfg.capture_threads <= 1) {
    cfg.capture.fanout.reset();
    auto s = AfPacketSource::open(cfg.capture);
    if (!s) return s.error();
    link = (*s)->link_type();
    afpacket.push_back(s->get());
    sources.push_back(std::move(*s));
  } else {
    if (!cfg.capture.fanout) cfg.capture.fanout = FanoutConfig{};
    if (cfg.capture.fanout->group_id == 0)
      cfg.capture.fanout->group_id = static_cast<std::uint16_t>(getpid() & 0xffff);
    auto g = open_fanout_group(cfg.capture, cfg.capture_threads);
    if (!g) return g.error();
    link = g->front()->link_type();
    for (auto& s : *g) {
      afpacket.push_back(s.get());
      sources.push_back(std::move(s));
    }
  }
  cfg.capture.bpf = nullptr;
  if_start = read_iface_counters(cfg.capture.iface);
  return {};
}

Result<void> Engine::Impl::open_outputs() {
  if (cfg.write_path.empty()) return {};
  const std::uint32_t snap = file ? file->snaplen() : cfg.capture.snaplen;
  auto w = PcapWriter::open(cfg.write_path, link, snap, true);
  if (!w) return w.error();
  writer = std::move(*w);
  return {};
}

Result<void> Engine::Impl::open_tx() {
  if (cfg.tx.disabled) return {};
  const bool explicit_iface = !cfg.tx.iface.empty();
  const std::string iface = explicit_iface ? cfg.tx.iface : live() ? cfg.capture.iface : std::string();
  if (iface.empty()) return {};
  if (cfg.tx.queue == 0 || cfg.tx.queue > (1u << 20))
    return make_error(Errc::invalid_argument, "transmit queue must hold between 1 and 1048576 frames");
  auto sock = TxSocket::open(iface, cfg.tx.socket);
  if (!sock) {
    if (explicit_iface) return make_error(sock.error().code, "transmit interface: " + sock.error().message);
    // Defaulted from the capture interface: capture matters more than sending.
    std::fprintf(stderr, "riptide: no transmit path (%s); analyzers' frames will be refused\n",
                 sock.error().message.c_str());
    return {};
  }
  txq = std::make_unique<TxQueue>(cfg.tx.queue);
  // The queue wakes the thread when an analyzer sends: an idle transmit path costs nothing.
  tx = std::make_unique<TxThread>(std::move(*sock), *txq, TxThreadConfig{});
  tx_iface = iface;
  return {};
}

// Stops new packets entering a live socket's ring, so that after draining it the kernel's
// count is final and the ledger is exact: a filter that rejects everything is attached, and
// the kernel counts only packets its filter accepted.
void Engine::Impl::freeze(std::size_t idx) noexcept {
  if (idx >= afpacket.size()) return;
  sock_filter reject{BPF_RET | BPF_K, 0, 0, 0};
  sock_fprog prog{1, &reject};
  (void)setsockopt(afpacket[idx]->fd(), SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog));
}

bool Engine::Impl::handle_source_error(std::size_t idx, const Error& e) {
  if (e.code != Errc::interface_down || idx >= afpacket.size()) {
    add_error(e.message);
    if (live()) fatal.store(true);
    return false;
  }
  counters[idx]->add(counters[idx]->iface_losses, 1);
  if (cfg.exit_on_iface_loss) {
    add_error(e.message + " (exiting: --exit-on-iface-loss)");
    fatal.store(true);
    return false;
  }
  if (idx == 0) std::fprintf(stderr, "riptide: %s; waiting for it to come back\n", e.message.c_str());
  while (!stopping.load(std::memory_order_relaxed)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    if (afpacket[idx]->reopen()) {
      if (idx == 0) std::fprintf(stderr, "riptide: interface '%s' is back, capture resumed\n", cfg.capture.iface.c_str());
      return true;
    }
  }
  return false;
}

void Engine::Impl::process_batch(std::size_t idx, PacketBatch& batch,
                                 std::array<PacketMeta, PacketBatch::kCapacity>& metas) {
  auto& c = *counters[idx];
  std::uint64_t bytes = 0;
  for (const auto& p : batch) bytes += p.wirelen;
  c.add(c.captured, batch.size());
  c.add(c.bytes, bytes);

  // User-space filter (files only): compact the batch in place.
  if (user_filter) {
    std::size_t keep = 0;
    for (std::size_t i = 0; i < batch.size(); ++i)
      if (user_filter->matches(batch[i])) batch[keep++] = batch[i];
    c.add(c.filtered, batch.size() - keep);
    PacketBatch tmp;
    for (std::size_t i = 0; i < keep; ++i) tmp.push(batch[i]);
    batch = tmp;
  }
  // -c budget, shared by all capture threads: one atomic operation per batch.
  if (cfg.max_packets != 0 && !batch.empty()) {
    std::uint64_t want = batch.size(), have = remaining.load(std::memory_order_relaxed), take = 0;
    do {
      take = std::min<std::uint64_t>(want, have);
    } while (!remaining.compare_exchange_weak(have, have - take, std::memory_order_relaxed));
    if (take < want) {
      c.add(c.beyond, want - take);
      PacketBatch tmp;
      for (std::size_t i = 0; i < take; ++i) tmp.push(batch[i]);
      batch = tmp;
    }
    if (have - take == 0) stopping.store(true, std::memory_order_relaxed);
  }
  if (batch.empty()) return;

  if (writer) {
    std::lock_guard lk(writer_mu);
    for (const auto& p : batch) {
      auto r = writer->write(p);
      if (!r) writer_error = r.error().message;
    }
  }

  auto& dstats = decode_stats[idx];
  decode_batch(batch.begin(), metas.data(), batch.size(), dstats);

  if (dispatcher) {
    const auto mode = live() ? Backpressure::drop : Backpressure::wait;
    dispatcher->dispatch(batch, std::span<const PacketMeta>(metas.data(), batch.size()), mode);
    return;
  }
  auto& set = *sets[idx];
  TimestampNs newest = 0;
  for (const auto& p : batch) newest = std::max(newest, p.ts_ns);
  set.packets(std::span<const PacketMeta>(metas.data(), batch.size()), std::span<const PacketView>(batch.begin(), batch.size()));
  set.batch_end(newest);
  c.add(c.processed, batch.size());
}

void Engine::Impl::capture_loop(std::size_t idx) {
  if (idx < cfg.cpus.size()) pin_to_cpu(cfg.cpus[idx]);
  PacketBatch batch;
  std::array<PacketMeta, PacketBatch::kCapacity> metas{};
  auto& src = *sources[idx];
  const bool runs_analyzers = !dispatcher;
  if (runs_analyzers) sets[idx]->start();
  TimestampNs now = wall_ns();  // read once per loop turn, after the batch
  TimestampNs next_tick = now + kTickNs;
  bool draining = false;
  // While packets flow, the kernel hands over a block within the block timeout anyway, so the
  // regular tick waits (at most that long) for that wake-up instead of waking the thread on
  // its own: each wake-up costs tens of microseconds of CPU here, and with blocks retiring
  // every ~80 ms the separate tick wake-ups were a third of the capture thread's. Quiet, the
  // tick fires on time; analyzers' wall timers always do.
  const TimestampNs tick_slack = live() ? TimestampNs{cfg.capture.block_timeout_ms} * 1'000'000 : 0;
  bool flowing = false;

  for (;;) {
    if (!draining && (stopping.load(std::memory_order_relaxed) || fatal.load(std::memory_order_relaxed))) {
      if (!live() || fatal.load()) break;
      // Live: stop the kernel adding packets, then read what the ring already holds.
      draining = true;
      freeze(idx);
    }
    // The regular tick, or earlier when an analyzer's wall timer is due: the wait ends then.
    const TimestampNs due = runs_analyzers ? std::min(next_tick, sets[idx]->next_wall_deadline()) : next_tick;
    auto wait = kPollTimeout;
    if (runs_analyzers) {
      const TimestampNs slack = flowing ? tick_slack : 0;
      const TimestampNs wake = std::min(next_tick + slack, sets[idx]->next_wall_deadline());
      const TimestampNs left_ms = (wake - now + 999'999) / 1'000'000;  // rounded up: never wake just before
      wait = std::chrono::milliseconds(std::clamp<TimestampNs>(left_ms, 0, kPollTimeout.count() + slack / 1'000'000));
    }
    // Draining waits past the block timeout: the kernel hands over its part-filled block only then.
    auto r = src.next(batch, draining ? std::chrono::milliseconds(2 * cfg.capture.block_timeout_ms + 10) : wait);
    if (!r) {
      if (handle_source_error(idx, r.error())) continue;
      break;
    }
    if (*r == PollStatus::end_of_input) break;
    flowing = *r == PollStatus::packets;
    if (flowing) process_batch(idx, batch, metas);
    else if (draining) break;  // timeout while draining: the ring is empty

    // Files tick too: wall timers and offloaded results must not wait for the end of input.
    if (runs_analyzers) {
      now = wall_ns();
      if (now >= due) {
        sets[idx]->tick(now);
        if (now >= next_tick) next_tick = now + kTickNs;
      }
    }
  }
  if (runs_analyzers) sets[idx]->stop();
  capture_running.fetch_sub(1);
  futex_wake(main_wake);
}

RunReport Engine::Impl::collect(bool final) const {
  RunReport r;
  r.final = final;
  r.live = live();
  r.topology = std::string(to_string(cfg.topology));
  r.elapsed_s = final ? elapsed_s : std::chrono::duration<double>(Clock::now() - started).count();
  r.input = sources.empty() ? std::string() : sources.front()->describe();
  if (sources.size() > 1) r.input += " x" + std::to_string(sources.size());

  for (const auto& s : sources) {
    const auto st = s->stats();
    r.kernel_packets += st.kernel_packets;
    r.kernel_drops += st.kernel_drops;
    r.kernel_freezes += st.freeze_count;
  }
  r.kernel_exact = final && !afpacket.empty();
  for (const auto& c : counters) {
    r.captured += c->captured.load(std::memory_order_relaxed);
    r.captured_bytes += c->bytes.load(std::memory_order_relaxed);
    r.filtered_out += c->filtered.load(std::memory_order_relaxed);
    r.beyond_count += c->beyond.load(std::memory_order_relaxed);
    r.processed += c->processed.load(std::memory_order_relaxed);
    r.interface_losses += c->iface_losses.load(std::memory_order_relaxed);
  }
  if (dispatcher) {
    for (const auto& p : worker_processed) r.processed += p.load(std::memory_order_relaxed);
    const auto ws = dispatcher->total_stats();
    r.worker_queue_drops = ws.queue_full_drops;
    r.copy_truncated = ws.copy_truncated;
  }
  if (pool) {
    const auto os = pool->stats();
    r.offload_submitted = os.submitted;
    r.offload_refused = os.refused;
    r.offload_completed = os.completed;
    r.offload_failed = os.failed;
    r.offload_max_latency_ns = os.max_latency_ns;
  }
  for (const auto& set : sets) r.offload_refused += set->context().offload_refused();
  if (live() && !cfg.capture.iface.empty()) {
    const auto now = read_iface_counters(cfg.capture.iface);
    r.if_rx_dropped = delta(if_start.rx_dropped, now.rx_dropped);
    r.if_rx_missed = delta(if_start.rx_missed_errors, now.rx_missed_errors);
    r.if_rx_fifo = delta(if_start.rx_fifo_errors, now.rx_fifo_errors);
    r.softnet_drops = delta(if_start.softnet_backlog_drops, now.softnet_backlog_drops);
  }
  if (final) {
    for (const auto& d : decode_stats) r.decode.merge(d);
    for (const auto& f : factories) {
      AnalyzerReport ar;
      ar.name = std::string(f->name());
      for (const auto& set : sets) {
        for (const auto& slot : set->slots()) {
          if (slot->name != ar.name) continue;
          ar.errors += slot->errors.load(std::memory_order_relaxed);
          ar.disabled += slot->disabled.load(std::memory_order_relaxed) ? 1 : 0;
          ar.timer_fires += slot->timer_fires.load(std::memory_order_relaxed);
          std::vector<AnalyzerCounter> cs;
          slot->a->counters(cs);
          for (auto& c : cs) {
            auto it = std::find_if(ar.counters.begin(), ar.counters.end(),
                                   [&](const AnalyzerCounter& x) { return x.name == c.name; });
            if (it == ar.counters.end()) ar.counters.push_back(c);
            else it->value += c.value;
          }
        }
      }
      r.analyzers.push_back(std::move(ar));
    }
    for (const auto& set : sets) r.tx_refused += set->context().tx_refused();
    r.tx_iface = tx_iface;
    r.tx_sent = tx_final.sent;
    r.tx_failed = tx_final.failed;
    r.tx_retried = tx_final.retried;
    if (writer) {
      const auto ws = writer->stats();
      r.pcap_written = ws.packets;
      r.pcap_not_written = ws.dropped_after_error + ws.link_mismatch;
    }
    r.errors = errors;
  }
  return r;
}

BlockTimeoutChoice choose_block_timeout(std::span<const std::unique_ptr<AnalyzerFactory>> analyzers) {
  using std::chrono::milliseconds;
  constexpr milliseconds kMin{1}, kMax{1000};  // the range --block-timeout accepts
  if (analyzers.empty())
    return {static_cast<std::uint32_t>(AnalyzerFactory::kDefaultMaxPacketDelay.count()), "the default: no analyzer"};
  auto delay = [&](const AnalyzerFactory& f) { return std::clamp(f.max_packet_delay(), kMin, kMax); };
  milliseconds best = kMax;
  for (const auto& f : analyzers) best = std::min(best, delay(*f));
  std::string names;
  for (const auto& f : analyzers)
    if (delay(*f) == best) names += (names.empty() ? "" : ", ") + std::string(f->name());
  return {static_cast<std::uint32_t>(best.count()), "the longest that every analyzer accepts, set by " + names};
}

Result<std::unique_ptr<Engine>> Engine::create(const EngineConfig& cfg,
                                               std::vector<std::unique_ptr<AnalyzerFactory>> analyzers) {
  if (cfg.backend == Backend::file && cfg.read_file.empty())
    return make_error(Errc::invalid_argument, "no input file given");
  if (cfg.backend != Backend::file && cfg.capture.iface.empty())
    return make_error(Errc::invalid_argument, "no capture interface given (-i)");
  if (cfg.capture_threads == 0 || cfg.capture_threads > 64)
    return make_error(Errc::invalid_argument, "capture threads must be between 1 and 64");
  if (cfg.topology == Topology::dispatch && cfg.capture_threads != 1)
    return make_error(Errc::invalid_argument, "the dispatch topology uses one capture thread; use --workers for more analysis threads");

  const std::size_t nworkers = cfg.topology == Topology::dispatch ? cfg.dispatch.workers : 0;
  auto impl = std::make_unique<Impl>(nworkers);
  impl->cfg = cfg;
  impl->factories = std::move(analyzers);
  if (impl->live()) {
    if (cfg.block_timeout_set) {
      impl->block_timeout_why = "set by --block-timeout";
    } else {
      const auto c = choose_block_timeout(impl->factories);
      impl->cfg.capture.block_timeout_ms = c.ms;
      impl->block_timeout_why = c.why;
    }
  }
  impl->remaining.store(cfg.max_packets);
  if (auto r = impl->open_sources(); !r) return r.error();
  if (auto r = impl->open_outputs(); !r) return r.error();
  if (auto r = impl->open_tx(); !r) return r.error();

  const std::size_t ncap = impl->sources.size();
  for (std::size_t i = 0; i < ncap; ++i) impl->counters.push_back(std::make_unique<CaptureCounters>());
  impl->decode_stats.resize(ncap);

  const std::size_t nsets = cfg.topology == Topology::dispatch ? nworkers : ncap;
  if (cfg.offload.threads > 0) {
    auto p = OffloadPool::create(cfg.offload, nsets);
    if (!p) return p.error();
    impl->pool = std::move(*p);
  }
  const engine::ThreadServices svc{impl->pool.get(), impl->txq.get()};
  for (std::size_t i = 0; i < nsets; ++i) {
    auto set = std::make_unique<engine::AnalyzerSet>(i, nsets, impl->live(), cfg.analyzer_limits, svc);
    for (auto& f : impl->factories) set->add(f->create(i), std::string(f->name()));
    impl->sets.push_back(std::move(set));
  }
  if (cfg.topology == Topology::dispatch) {
    DispatcherConfig dc = cfg.dispatch;
    for (std::size_t i = ncap; i < cfg.cpus.size(); ++i) dc.worker_cpus.push_back(cfg.cpus[i]);
    auto d = Dispatcher::create(dc);
    if (!d) return d.error();
    impl->dispatcher = std::move(*d);
    impl->handler = std::make_unique<Impl::Handler>(*impl);
  }
  return std::unique_ptr<Engine>(new Engine(std::move(impl)));
}

Engine::Engine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

void Engine::request_stop() noexcept {
  stop_requested_.store(true, std::memory_order_relaxed);
  futex_wake(impl_->main_wake);
}
Engine::~Engine() = default;

std::string Engine::banner() const {
  const auto& c = impl_->cfg;
  std::string s = "riptide: input " + impl_->sources.front()->describe();
  if (impl_->sources.size() > 1) s += " (" + std::to_string(impl_->sources.size()) + " sockets in one fanout group)";
  s += ", topology " + std::string(to_string(c.topology));
  if (c.topology == Topology::dispatch)
    s += " (1 capture thread -> " + std::to_string(c.dispatch.workers) + " worker(s), " +
         std::to_string(c.dispatch.ring_slots) + " slots each)";
  s += "\n";
  if (!impl_->afpacket.empty()) s += "riptide: " + impl_->afpacket.front()->plan().explanation + "\n";
  if (impl_->live())
    s += "riptide: packets reach the analyzers at most " + std::to_string(c.capture.block_timeout_ms) +
         " ms late (block timeout: " + impl_->block_timeout_why + ")\n";
  if (impl_->tx) s += "riptide: analyzers transmit on " + impl_->tx_iface + " (queue " + std::to_string(c.tx.queue) + " frames)\n";
  if (!c.filter.empty())
    s += std::string("riptide: filter '") + c.filter + (impl_->user_filter ? "' (user space)\n" : "' (in the kernel)\n");
  return s;
}

RunReport Engine::snapshot() const { return impl_->collect(false); }

Result<RunReport> Engine::run() {
  auto& e = *impl_;
  e.started = Clock::now();
  if (e.tx) {
    if (auto r = e.tx->start(); !r) return r.error();
  }
  if (e.dispatcher) {
    if (auto r = e.dispatcher->start(*e.handler); !r) return r.error();
  }
  e.capture_running.store(static_cast<unsigned>(e.sources.size()));
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < e.sources.size(); ++i) threads.emplace_back([&e, i] { e.capture_loop(i); });

  // The main thread watches: stop conditions, live status, periodic stats JSON.
  auto last_status = Clock::now();
  auto last_json = Clock::now();
  RunReport prev = e.collect(false);
  const bool show_status = !e.cfg.quiet && e.live();
  const auto status_every = std::chrono::milliseconds(e.cfg.status_interval_ms);
  const bool json_lines = !e.cfg.stats_json_path.empty() && e.cfg.stats_json_interval_s > 0;
  const auto json_every = std::chrono::seconds(json_lines ? e.cfg.stats_json_interval_s : 1);
  const auto ends_at = e.started + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(e.cfg.duration_s));
  for (;;) {
    // Read before looking at the state: a wake-up after this point makes the wait return at once.
    const std::uint32_t seen = e.main_wake.load(std::memory_order_acquire);
    if (e.capture_running.load() == 0) break;
    const auto now = Clock::now();
    if (stop_requested_.load(std::memory_order_relaxed)) e.stopping.store(true);
    if (e.cfg.duration_s > 0 && now >= ends_at) e.stopping.store(true);
    // Sleep until the next thing to do; a second at most, as a safety net for a missed flag.
    auto next = now + std::chrono::seconds(1);
    if (e.cfg.duration_s > 0 && !e.stopping.load(std::memory_order_relaxed)) next = std::min(next, ends_at);
    if (show_status && now - last_status >= status_every) {
      auto cur = e.collect(false);
      const double dt = std::chrono::duration<double>(now - last_status).count();
      std::fprintf(stderr, "%s\n", format_status(cur, prev, dt).c_str());
      prev = std::move(cur);
      last_status = now;
    }
    if (json_lines && now - last_json >= json_every) {
      std::ofstream(e.cfg.stats_json_path, std::ios::app) << report_json(e.collect(false)) << "\n";
      last_json = now;
    }
    if (show_status) next = std::min(next, last_status + status_every);
    if (json_lines) next = std::min(next, last_json + json_every);
    futex_wait_for(e.main_wake, seen, std::max<Clock::duration>(next - now, std::chrono::milliseconds(1)));
  }
  for (auto& t : threads) t.join();
  if (e.dispatcher) e.dispatcher->stop();
  for (auto& f : e.factories) f->finish();
  // Every analyzer stopped: what they queued is sent now, then the counters are final.
  if (e.tx) {
    e.tx->stop();
    e.tx_final = e.tx->socket().stats();
  }
  if (e.pool) e.pool->stop();
  if (e.writer) {
    if (auto r = e.writer->close(); !r && e.writer_error.empty()) e.writer_error = r.error().message;
    if (!e.writer_error.empty()) e.add_error(e.writer_error);
  }
  e.elapsed_s = std::chrono::duration<double>(Clock::now() - e.started).count();
  RunReport rep = e.collect(true);
  if (!e.cfg.stats_json_path.empty()) {
    std::ofstream out(e.cfg.stats_json_path, e.cfg.stats_json_interval_s > 0 ? std::ios::app : std::ios::trunc);
    out << report_json(rep) << "\n";
    if (!out) rep.errors.push_back("cannot write stats to '" + e.cfg.stats_json_path + "'");
  }
  if (e.fatal.load() && e.live()) {
    return make_error(Errc::interface_down, rep.errors.empty() ? std::string("capture failed") : rep.errors.back());
  }
  return rep;
}

}  // namespace riptide
