// The engine's outline: create() opens and wires everything, run() starts the threads, waits
// while the main thread watches, then stops every stage in order and builds the report.
// Each job lives in its own file: see engine_impl.hpp.
#include "riptide/engine/engine.hpp"
#include "riptide/core/thread_name.hpp"

#include <sched.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <thread>

#include "engine/configure_analyzers.hpp"
#include "engine/dispatch_handler.hpp"
#include "engine/engine_impl.hpp"
#include "engine/iface_info.hpp"
#include "riptide/core/clock.hpp"
#include "riptide/core/futex.hpp"
#include "riptide/dispatch/queue_plan.hpp"
#include "engine/metrics_server.hpp"
#include "riptide/capture/iface_stats.hpp"
#include "riptide/flow/line_output.hpp"

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

Engine::Impl::Impl(std::size_t workers) : worker_processed(workers) {}

Engine::Impl::~Impl() {
  if (stats_out) std::fclose(stats_out);
}

void Engine::Impl::write_stats_line(const RunReport& r) {
  if (!stats_out) return;
  const std::string line = report_json(r) + "\n";
  if (std::fwrite(line.data(), 1, line.size(), stats_out) != line.size() || std::fflush(stats_out) != 0)
    add_error("cannot write stats to '" + cfg.stats_json_path + "'");
}

namespace {

// Every CPU named for pinning must be one this process may run on: a wrong --cpus is a
// configuration error at start, not an unpinned thread found later.
Result<void> check_cpus(const std::vector<int>& cpus) {
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  if (sched_getaffinity(0, sizeof allowed, &allowed) != 0) return {};
  for (int c : cpus)
    if (c < 0 || c >= CPU_SETSIZE || !CPU_ISSET(c, &allowed))
      return make_error(Errc::invalid_argument, "CPU " + std::to_string(c) + " is not available to this process (--cpus)");
  return {};
}

}  // namespace

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
  if (auto r = check_cpus(cfg.cpus); !r) return r.error();
  // Before anything reads a factory (its block timeout, its instances) or opens a socket.
  if (auto r = engine::configure_analyzers(analyzers, cfg.analyzer_options); !r) return r.error();

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
  if (!cfg.stats_json_path.empty()) {
    impl->stats_out = std::fopen(cfg.stats_json_path.c_str(), cfg.stats_json_interval_s > 0 ? "a" : "w");
    if (!impl->stats_out)
      return make_error(Errc::io, "cannot open stats file '" + cfg.stats_json_path + "': " + std::strerror(errno));
  }
  if (auto r = impl->open_sources(); !r) return r.error();
  if (auto r = impl->open_outputs(); !r) return r.error();
  if (auto r = impl->open_tx(); !r) return r.error();

  const std::size_t ncap = impl->sources.size();
  for (std::size_t i = 0; i < ncap; ++i) {
    impl->counters.push_back(std::make_unique<engine::CaptureCounters>());
    impl->decode.push_back(std::make_unique<engine::PublishedDecode>());
  }

  const std::size_t nsets = cfg.topology == Topology::dispatch ? nworkers : ncap;
  if (cfg.offload.threads > 0) {
    auto p = OffloadPool::create(cfg.offload, nsets);
    if (!p) return p.error();
    impl->pool = std::move(*p);
  }
  if (impl->live()) impl->iface_info = engine::read_interface_info(cfg.capture.iface);
  const engine::ThreadServices svc{impl->pool.get(), impl->txq.get(), &impl->iface_info};
  for (std::size_t i = 0; i < nsets; ++i) {
    auto set = std::make_unique<engine::AnalyzerSet>(i, nsets, impl->live(), cfg.analyzer_limits, svc);
    for (auto& f : impl->factories)
      if (auto r = set->add(*f); !r) return r.error();
    impl->sets.push_back(std::move(set));
    impl->published.push_back(std::make_unique<engine::PublishedAnalyzers>());
  }
  if (cfg.topology == Topology::dispatch) {
    if (cfg.plan_worker_ring && impl->live()) {
      const WorkerQueuePlan plan = plan_worker_queues({cfg.capture.expected_pps, cfg.capture.ring_ms, cfg.dispatch.workers,
                                                        cfg.dispatch.slot_bytes, WorkerQueueInputs{}.max_bytes});
      impl->cfg.dispatch.ring_slots = plan.slots;  // the banner and the report show it
      impl->worker_queue_note = plan.explanation;
    }
    DispatcherConfig dc = impl->cfg.dispatch;
    for (std::size_t i = ncap; i < cfg.cpus.size(); ++i) dc.worker_cpus.push_back(cfg.cpus[i]);
    auto d = Dispatcher::create(dc);
    if (!d) return d.error();
    impl->dispatcher = std::move(*d);
    impl->handler = std::make_unique<Impl::Handler>(*impl);
  }
  // An offloaded result wakes the thread that owns it out of its wait (the source's poll,
  // the worker's futex), so done() runs now rather than at the next batch or tick.
  if (impl->pool) {
    for (std::size_t i = 0; i < nsets; ++i) {
      if (impl->dispatcher)
        impl->pool->set_waker(i, [d = impl->dispatcher.get(), i] { d->wake(i); });
      else
        impl->pool->set_waker(i, [s = impl->sources[i].get()] { s->wake(); });
    }
  }
  impl->register_metrics();
  if (!cfg.metrics_listen.empty()) {
    auto m = MetricsServer::start(cfg.metrics_listen, impl->metrics);
    if (!m) return m.error();
    impl->metrics_server = std::move(*m);
  }
  return std::unique_ptr<Engine>(new Engine(std::move(impl)));
}

Engine::Engine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

void Engine::request_stop() noexcept {
  impl_->stop_requests.fetch_add(1, std::memory_order_relaxed);
  futex_wake(impl_->main_wake);
}

void Engine::request_reopen() noexcept {
  if (impl_->output) impl_->output->request_reopen();
  LineOutput::request_reopen_all();  // --flows-json, heavy-hitter windows: at their next write
}

void Engine::request_report() noexcept {
  impl_->report_requested.store(true, std::memory_order_relaxed);
  futex_wake(impl_->main_wake);
}

Engine::~Engine() {
  // Threads a forced stop gave up on still use the engine's state: leave it to the process's
  // end rather than free it under them.
  if (impl_ && impl_->abandoned) (void)impl_.release();
}

std::string Engine::banner() const {
  const auto& c = impl_->cfg;
  std::string s = "riptide: input " + impl_->sources.front()->describe();
  if (impl_->sources.size() > 1) s += " (" + std::to_string(impl_->sources.size()) + " sockets in one fanout group)";
  s += ", topology " + std::string(to_string(c.topology));
  if (c.topology == Topology::dispatch)
    s += " (1 capture thread -> " + std::to_string(c.dispatch.workers) + " worker(s), " +
         std::to_string(c.dispatch.ring_slots) + " slots each)";
  s += "\n";
  if (!impl_->ring_note.empty()) s += "riptide: " + impl_->ring_note + "\n";
  if (!impl_->worker_queue_note.empty()) s += "riptide: " + impl_->worker_queue_note + "\n";
  if (impl_->live())
    s += "riptide: packets reach the analyzers at most " + std::to_string(c.capture.block_timeout_ms) +
         " ms late (block timeout: " + impl_->block_timeout_why + ")\n";
  if (impl_->tx) {
    s += "riptide: analyzers transmit on " + impl_->tx_iface + " (queue " + std::to_string(c.tx.queue) + " frames)";
    s += impl_->tx->socket().marks_frames() ? "; their frames are never captured back\n"
                                             : "; their frames are not marked and may be captured back\n";
  }
  if (impl_->live()) {
    const std::string note = iface_down_note(c.capture.iface);
    if (!note.empty()) s += "riptide: " + note + "\n";
  }
  if (!c.filter.empty())
    s += std::string("riptide: filter '") + c.filter + (impl_->user_filter ? "' (user space)\n" : "' (in the kernel)\n");
  if (impl_->metrics_server) s += "riptide: Prometheus metrics on http://" + impl_->metrics_server->address() + "/metrics\n";
  return s;
}

RunReport Engine::snapshot() const { return impl_->collect(false); }

Result<RunReport> Engine::run() {
  auto& e = *impl_;
  e.started = engine::Clock::now();
  if (e.tx) {
    if (auto r = e.tx->start(); !r) return r.error();
  }
  if (e.dispatcher) {
    if (auto r = e.dispatcher->start(*e.handler); !r) return r.error();
  }
  if (e.output) {
    // -G with -W: the last file is closed; the run ends as tcpdump's does.
    auto ended = [&e] {
      e.stopping.store(true);
      futex_wake(e.main_wake);
    };
    if (auto r = e.output->start(ended); !r) return r.error();
  }
  e.capture_running.store(static_cast<unsigned>(e.sources.size()));
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < e.sources.size(); ++i) threads.emplace_back([&e, i] {
    name_this_thread("rt-cap" + std::to_string(i));
    e.capture_loop(i);
  });

  if (!e.watch()) {
    // A forced stop: some thread did not end in time (an analyzer or a task that never
    // returns). Report what is known, close what can be closed without waiting, and leave the
    // threads to the process's exit.
    e.abandoned = true;
    for (auto& t : threads) t.detach();
    // The -w thread writes what the queues hold and closes its file, unless the file itself
    // is what blocks (a reader that stopped reading).
    if (e.output && !e.output->finish(std::chrono::milliseconds(300)))
      e.add_error("-w output '" + e.output->path() + "' did not finish in time: its last packets may be missing");
    e.add_error("stopped by a second signal before every thread ended: figures of the threads still running are partial");
    e.elapsed_s = std::chrono::duration<double>(engine::Clock::now() - e.started).count();
    RunReport rep = e.collect(false);
    rep.final = true;
    rep.forced = true;
    e.write_stats_line(rep);
    return rep;
  }
  for (auto& t : threads) t.join();
  if (e.dispatcher) e.dispatcher->stop();
  for (auto& line : engine::finish_factories(e.factories)) e.add_error(std::move(line));
  // Every analyzer stopped: what they queued is sent now, then the counters are final.
  if (e.tx) {
    e.tx->stop();
    e.tx_final = e.tx->socket().stats();
  }
  e.tx_stopped.store(true, std::memory_order_release);
  if (e.pool) e.pool->stop();
  if (e.output) {
    // Everything queued is written before the report; a second stop request gives up on a
    // file that does not take it (a reader that stopped reading).
    while (!e.output->finish(std::chrono::milliseconds(100))) {
      if (e.stop_requests.load(std::memory_order_relaxed) >= 2) {
        e.add_error("-w output '" + e.output->path() + "' abandoned by a second stop request: its last packets are missing");
        break;
      }
    }
    if (const auto err = e.output->error(); !err.empty()) e.add_error(err);
  }
  e.elapsed_s = std::chrono::duration<double>(engine::Clock::now() - e.started).count();
  RunReport rep = e.collect(true);
  // An output that lost records fails the run (exit status 1), named with what it lost.
  for (const auto& o : rep.outputs) {
    if (!o.dropped && o.error.empty()) continue;
    std::string line = "analyzer '" + o.analyzer + "': " + o.name + " output '" + o.target + "'";
    if (o.dropped) line += ": " + std::to_string(o.dropped) + " of " + std::to_string(o.written + o.dropped) + " records not written";
    if (!o.error.empty()) line += ": " + o.error;
    e.add_error(line);
  }
  rep.errors = e.errors_copy();
  e.write_stats_line(rep);
  if (e.fatal.load() && e.live()) {
    return make_error(Errc::interface_down, rep.errors.empty() ? std::string("capture failed") : rep.errors.back());
  }
  return rep;
}

}  // namespace riptide
