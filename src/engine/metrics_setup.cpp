// Every figure of a run, registered once by name. The status line, the stats JSON, the
// report and the Prometheus endpoint read these; none of them reaches into a stage itself.
#include <algorithm>
#include <cctype>

#include "engine/engine_impl.hpp"

namespace riptide {

namespace {

MetricDesc counter(std::string name, std::string help, MetricLabels labels = {}) {
  return {std::move(name), std::move(help), MetricType::counter, std::move(labels), {}, DropKind::none};
}
MetricDesc gauge(std::string name, std::string help, MetricLabels labels = {}) {
  return {std::move(name), std::move(help), MetricType::gauge, std::move(labels), {}, DropKind::none};
}
MetricDesc drop(std::string name, std::string help, DropKind kind, std::string advice, MetricLabels labels = {}) {
  return {std::move(name), std::move(help), MetricType::counter, std::move(labels), std::move(advice), kind};
}

// Analyzer counter names become part of metric names: keep [a-z0-9_].
std::string metric_word(std::string_view s) {
  std::string o;
  for (char c : s) o += std::isalnum(static_cast<unsigned char>(c)) ? static_cast<char>(std::tolower(c)) : '_';
  return o.empty() ? std::string("unnamed") : o;
}

}  // namespace

void Engine::Impl::register_metrics() {
  const bool disp = dispatcher != nullptr;
  const std::size_t ncap = sources.size();

  // The ledger: one group so that its figures come from one read. Workers' processed counts
  // are read before the capture threads' totals: whatever a worker had processed was
  // dispatched before that, so in_flight (dispatched - processed) is never negative.
  {
    std::vector<MetricDesc> d;
    for (std::size_t w = 0; disp && w < worker_processed.size(); ++w)
      d.push_back(counter("processed", "packets that went through every analyzer", {{"worker", std::to_string(w)}}));
    for (std::size_t i = 0; i < ncap; ++i) {
      const MetricLabels t{{"thread", std::to_string(i)}};
      d.push_back(counter("captured", "packets the source handed to riptide", t));
      d.push_back(counter("captured_bytes", "wire bytes of the captured packets", t));
      d.push_back(counter("filtered_out", "packets the user-space filter rejected (files; not drops)", t));
      d.push_back(counter("beyond_count", "packets read after the -c limit was reached, not analyzed", t));
      if (disp) {
        d.push_back(counter("dispatched", "packets handed to a worker's queue", t));
        d.push_back(drop("worker_queue_drops", "packets lost because a worker's queue was full", DropKind::packets,
                         "a worker's analyzers fell behind the capture rate (the analyzer that stalled is named below): "
                         "offload its long work (ctx.offload), raise --worker-ring, or add --workers if every call is slow",
                         t));
      } else {
        d.push_back(counter("processed", "packets that went through every analyzer", t));
      }
      d.push_back(counter("interface_losses", "times the capture interface went away", t));
    }
    d.push_back(gauge("in_flight", "packets captured and not yet accounted for: in a capture thread's batch or a worker's queue"));
    metrics.add_group(std::move(d), [this, disp, ncap](std::span<MetricValue> v) {
      std::size_t k = 0;
      std::uint64_t done = 0, handed = 0, in_progress = 0;
      for (std::size_t w = 0; disp && w < worker_processed.size(); ++w) {
        const auto p = worker_processed[w].load(std::memory_order_relaxed);
        done += p;
        v[k++] = p;
      }
      for (std::size_t i = 0; i < ncap; ++i) {
        const auto t = counters[i]->read();
        v[k++] = t.captured;
        v[k++] = t.bytes;
        v[k++] = t.filtered;
        v[k++] = t.beyond;
        if (disp) {
          v[k++] = t.dispatched;
          v[k++] = t.queue_drops;
        } else {
          v[k++] = t.processed;
        }
        v[k++] = t.iface_losses;
        in_progress += t.in_progress;
        handed += t.captured - t.filtered - t.beyond - t.queue_drops;
      }
      // Workers topology: the batch each thread is on. Dispatch: everything handed on (in the
      // batch being dispatched, or in a queue) that no worker has finished; workers may already
      // have taken part of the current batch, which is why this is not in_progress + queued.
      // A worker count above what was handed on cannot happen: if it did, the clamp to 0 makes
      // the ledger visibly fail to add up.
      v[k++] = disp ? (handed >= done ? handed - done : 0) : in_progress;
    });
  }

  // The kernel's side of each socket (live) and the source's own counters.
  for (std::size_t i = 0; i < ncap && live(); ++i) {
    const MetricLabels t{{"thread", std::to_string(i)}};
    metrics.add_group(
        {counter("kernel_packets", "packets the kernel passed to the socket's ring (after its filter)", t),
         drop("kernel_drops", "kernel ring full: packets the kernel could not put in the ring", DropKind::packets,
              "riptide read too slowly or the ring is too small: raise --ring-ms or add capture threads", t),
         counter("kernel_freezes", "TPACKET_V3 queue freezes (the ring filled up)", t)},
        [this, i](std::span<MetricValue> v) {
          const auto st = sources[i]->stats();
          v[0] = st.kernel_packets;
          v[1] = st.kernel_drops;
          v[2] = st.freeze_count;
        });
  }

  // Each backend's own counters (AF_PACKET polls and losing blocks, libpcap's copy overflow,
  // a file's skipped blocks...), learnt by name from the source itself.
  for (std::size_t i = 0; i < ncap; ++i) {
    std::vector<SourceCounter> cs;
    sources[i]->counters(cs);
    if (cs.empty()) continue;
    std::vector<MetricDesc> d;
    std::vector<std::string> names;
    const MetricLabels t{{"thread", std::to_string(i)}};
    for (const auto& c : cs) {
      names.emplace_back(c.name);
      const std::string n = "source_" + metric_word(c.name);
      d.push_back(c.is_drop ? drop(n, std::string(c.help), DropKind::packets, std::string(c.advice), t)
                            : counter(n, std::string(c.help), t));
    }
    metrics.add_group(std::move(d), [this, i, names](std::span<MetricValue> v) {
      std::vector<SourceCounter> now;
      sources[i]->counters(now);
      for (const auto& c : now)
        for (std::size_t k = 0; k < names.size(); ++k)
          if (names[k] == c.name) v[k] = c.value;
    });
  }

  if (live() && !cfg.capture.iface.empty()) {
    const MetricLabels l{{"interface", cfg.capture.iface}};
    metrics.add_group(
        {drop("if_rx_dropped", "the interface dropped packets before any socket saw them", DropKind::packets,
              "no buffer or unknown protocol at the interface: not riptide's reading speed", l),
         drop("if_rx_missed", "the NIC ran out of receive descriptors", DropKind::packets,
              "raise the NIC's RX ring (ethtool -G) or spread the load over queues (RSS)", l),
         drop("if_rx_fifo", "the NIC's receive FIFO overflowed", DropKind::packets,
              "raise the NIC's RX ring (ethtool -G) or spread the load over queues (RSS)", l),
         drop("softnet_backlog_drops", "a CPU's input backlog overflowed (all interfaces)", DropKind::packets,
              "raise net.core.netdev_max_backlog or spread interrupts (RPS)")},
        [this](std::span<MetricValue> v) {
          auto delta = [](const std::optional<std::uint64_t>& a, const std::optional<std::uint64_t>& b) -> MetricValue {
            if (!a || !b) return std::nullopt;
            // 32-bit columns wrap: a smaller value now means it wrapped once, not zero drops.
            return *b >= *a ? *b - *a : (*b + (std::uint64_t{1} << 32)) - *a;
          };
          const auto now = read_iface_counters(cfg.capture.iface);
          v[0] = delta(if_start.rx_dropped, now.rx_dropped);
          v[1] = delta(if_start.rx_missed_errors, now.rx_missed_errors);
          v[2] = delta(if_start.rx_fifo_errors, now.rx_fifo_errors);
          v[3] = delta(if_start.softnet_backlog_drops, now.softnet_backlog_drops);
        });
  }

  // Decode: summed over threads from what each published.
  metrics.add_group(
      {counter("decode_packets", "packets decoded"), counter("decode_ok", "packets decoded without error"),
       counter("decode_errors", "packets with a decode error (still analyzed as far as they decoded)"),
       counter("snaplen_truncated", "packets cut by the snapshot length (not an error)")},
      [this](std::span<MetricValue> v) {
        DecodeStats d;
        for (const auto& p : decode) {
          std::lock_guard lk(p->mu);
          d.merge(p->stats);
        }
        v[0] = d.packets;
        v[1] = d.decoded_ok;
        v[2] = d.total_errors();
        v[3] = d.snaplen_truncated;
      });
  register_encap_metrics();

  if (file) {
    metrics.add(counter("file_bytes_read", "bytes of the input file read so far"),
                [this]() -> MetricValue { return file_bytes_read.load(std::memory_order_relaxed); });
    if (file_size)
      metrics.add(gauge("file_bytes", "size of the input file"), [this]() -> MetricValue { return file_size; });
  }

  // Analyzers: the engine's own figures per analyzer, and each analyzer's counters() as its
  // threads last published them. Names are learnt now, from each instance before it starts.
  for (std::size_t f = 0; f < factories.size(); ++f) {
    const std::string name(factories[f]->name());
    const MetricLabels l{{"analyzer", name}};
    std::vector<std::string> cnames;
    for (const auto& set : sets) {
      if (f >= set->slots().size()) continue;
      std::vector<AnalyzerCounter> cs;
      try {
        set->slots()[f]->a->counters(cs);
      } catch (...) {
      }
      for (const auto& c : cs)
        if (std::find(cnames.begin(), cnames.end(), c.name) == cnames.end()) cnames.push_back(c.name);
    }
    std::vector<MetricDesc> d{
        drop("analyzer_errors", "exceptions an analyzer threw (caught; the analyzer goes on)", DropKind::none,
             "a bug in that analyzer", l),
        counter("analyzer_disabled", "instances switched off after too many errors", l),
        counter("analyzer_timer_fires", "calls of the analyzer's timers", l),
        drop("analyzer_packets_missed", "packets the analyzer did not see (it threw, or was switched off)",
             DropKind::analyzer, "a bug in that analyzer: its other packets and the other analyzers went on", l),
        counter("analyzer_packets", "packets handed to the analyzer", l),
        [&l] {
          auto g = counter("analyzer_busy_seconds", "time inside the analyzer's calls (wall time on its thread)", l);
          g.per_unit = 1'000'000'000;  // kept in nanoseconds
          return g;
        }(),
        counter("analyzer_calls", "calls of the analyzer timed (one per batch on the packet path)", l),
        [&l] {
          auto g = gauge("analyzer_max_call_seconds", "the analyzer's longest single call, on any thread", l);
          g.per_unit = 1'000'000'000;
          return g;
        }(),
        counter("analyzer_flow_records", "flow records handed to the analyzer's on_flows (subscribe_flows)", l),
        drop("analyzer_flow_records_missed", "flow records the analyzer did not see (it threw in on_flows, or was switched off)",
             DropKind::analyzer, "a bug in that analyzer: the flow outputs and the other analyzers got these records", l)};
    constexpr std::size_t kFixed = 10;
    // An analyzer's own "*_drops" counter is a drop point of that analyzer (its view of the
    // packets, e.g. a Python analyzer's full queue), listed with the other drops.
    for (const auto& c : cnames)
      d.push_back(c.ends_with("_drops")
                      ? drop("analyzer_" + metric_word(c), "the analyzer's own drop counter '" + c + "'", DropKind::analyzer,
                             "that analyzer cannot keep up: it missed these packets, capture did not", l)
                      : counter("analyzer_" + metric_word(c), "the analyzer's own counter '" + c + "'", l));
    metrics.add_group(std::move(d), [this, f, cnames, kFixed](std::span<MetricValue> v) {
      std::uint64_t errs = 0, disabled = 0, fires = 0, missed = 0, pkts = 0, busy = 0;
      std::uint64_t calls = 0, max_call = 0, flows = 0, flows_missed = 0;
      std::vector<std::uint64_t> sums(cnames.size(), 0);
      for (std::size_t s = 0; s < sets.size(); ++s) {
        if (f >= sets[s]->slots().size()) continue;
        const auto& slot = *sets[s]->slots()[f];
        errs += slot.errors.load(std::memory_order_relaxed);
        disabled += slot.disabled.load(std::memory_order_relaxed) ? 1 : 0;
        fires += slot.timer_fires.load(std::memory_order_relaxed);
        missed += slot.packets_missed.load(std::memory_order_relaxed);
        pkts += slot.packets.load(std::memory_order_relaxed);
        busy += slot.busy_ns.load(std::memory_order_relaxed);
        calls += slot.calls.load(std::memory_order_relaxed);
        max_call = std::max(max_call, slot.max_call_ns.load(std::memory_order_relaxed));
        flows += slot.flow_records.load(std::memory_order_relaxed);
        flows_missed += slot.flow_records_missed.load(std::memory_order_relaxed);
        std::lock_guard lk(published[s]->mu);
        if (f >= published[s]->by_slot.size()) continue;
        for (const auto& c : published[s]->by_slot[f]) {
          const auto it = std::find(cnames.begin(), cnames.end(), c.name);
          if (it != cnames.end()) sums[static_cast<std::size_t>(it - cnames.begin())] += c.value;
        }
      }
      v[0] = errs;
      v[1] = disabled;
      v[2] = fires;
      v[3] = missed;
      v[4] = pkts;
      v[5] = busy;
      v[6] = calls;
      v[7] = max_call;
      v[8] = flows;
      v[9] = flows_missed;
      for (std::size_t k = 0; k < cnames.size(); ++k) v[kFixed + k] = sums[k];
    });
  }

  register_output_metrics();

  if (output) {
    metrics.add_group(
        {counter("pcap_written", "packets written to the -w file(s)"),
         drop("pcap_queue_drops", "packets for -w that found its queue full", DropKind::output,
              "the -w output could not keep up (slow disk or reader): a faster disk, a larger --write-queue, "
              "or a filter; capture and analysis went on"),
         drop("pcap_not_written", "packets for -w that were not written", DropKind::output,
              "the -w output failed (disk full?) or, in a pcap file, a packet's link type differed from the "
              "file's (pcapng keeps every link type); analysis went on"),
         counter("pcap_beyond_last_file", "packets after -G with -W closed its last file (not written, as asked)"),
         counter("pcap_files", "files -w opened (rotation, SIGHUP reopen)"),
         counter("pcap_out_of_order", "packets -w wrote before an earlier one of another capture thread")},
        [this](std::span<MetricValue> v) {
          const auto s = output->stats();
          v[0] = s.written;
          v[1] = s.queue_drops;
          v[2] = s.failed + s.link_mismatch;
          v[3] = s.beyond_last_file;
          v[4] = s.files;
          v[5] = s.out_of_order;
        });
  }

  if (tx || live() || !cfg.tx.iface.empty()) {
    metrics.add_group(
        {counter("tx_sent", "frames analyzers sent that the kernel accepted"),
         drop("tx_failed", "frames the kernel did not take", DropKind::work, "link down or device queue full"),
         counter("tx_retried", "frames sent again after the device queue was full")},
        [this](std::span<MetricValue> v) {
          // The socket's counters belong to the transmit thread until it stops: unknown before.
          if (!tx_stopped.load(std::memory_order_acquire)) return;
          v[0] = tx_final.sent;
          v[1] = tx_final.failed;
          v[2] = tx_final.retried;
        });
  }
  metrics.add(drop("tx_refused", "frames analyzers asked to send that were refused", DropKind::work,
                   "no transmit path, or its queue was full: raise --tx-queue"),
              [this]() -> MetricValue {
                std::uint64_t n = 0;
                for (const auto& s : sets) n += s->context().tx_refused();
                return n;
              });
  metrics.add(counter("tx_oversize", "of tx_refused: frames longer than the transmit interface's MTU allows (never cut)"),
              [this]() -> MetricValue {
                std::uint64_t n = 0;
                for (const auto& s : sets) n += s->context().tx_oversize();
                return n;
              });
  metrics.add_group(
      {counter("offload_submitted", "calculations analyzers offloaded"),
       counter("offload_completed", "offloaded calculations whose result came back"),
       drop("offload_refused", "offloaded calculations refused", DropKind::work,
            "the compute pool's queue was full: raise --offload-threads or --offload-queue"),
       counter("offload_failed", "offloaded calculations that threw"),
       [] {
         auto g = gauge("offload_max_latency_seconds", "longest time from submit to the result back on the analyzer's thread");
         g.per_unit = 1'000'000'000;  // kept in nanoseconds
         return g;
       }(),
       counter("offload_placement_failed",
               "offload threads whose --offload-cpus or batch priority could not be applied (they run unplaced)")},
      [this](std::span<MetricValue> v) {
        std::uint64_t refused = 0;
        for (const auto& s : sets) refused += s->context().offload_refused();
        if (!pool) {
          v[0] = 0, v[1] = 0, v[2] = refused, v[3] = 0, v[4] = 0, v[5] = 0;
          return;
        }
        const auto os = pool->stats();
        v[0] = os.submitted;
        v[1] = os.completed;
        v[2] = os.refused + refused;
        v[3] = os.failed;
        v[4] = static_cast<std::uint64_t>(std::max<std::int64_t>(0, os.max_latency_ns));
        v[5] = os.placement_failed;
      });
}

}  // namespace riptide
