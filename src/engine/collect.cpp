// The RunReport of a moment: a snapshot of the metrics registry, with the ledger's fields
// taken from it by name, plus what only the end of a run knows (errors, transmit totals).
#include <algorithm>

#include "engine/engine_impl.hpp"

namespace riptide {

namespace {

std::uint64_t total(const MetricsSnapshot& s, std::string_view name) { return s.total(name).value_or(0); }

std::string label_of(const MetricSample& x, std::string_view key) {
  for (const auto& [k, v] : x.desc.labels)
    if (k == key) return v;
  return {};
}

}  // namespace

RunReport Engine::Impl::collect(bool final) const {
  RunReport r;
  r.final = final;
  r.live = live();
  r.topology = std::string(to_string(cfg.topology));
  r.elapsed_s = final ? elapsed_s : std::chrono::duration<double>(engine::Clock::now() - started).count();
  r.input = sources.empty() ? std::string() : sources.front()->describe();
  if (sources.size() > 1) r.input += " x" + std::to_string(sources.size());

  // Decode figures first: a capture thread publishes a batch as captured before decoding it (and
  // its decode copy only at ticks), so reading them before the registry keeps
  // decode.packets <= captured in every snapshot.
  for (const auto& p : decode) {
    std::lock_guard lk(p->mu);
    r.decode.merge(p->stats);
  }
  MetricsSnapshot s = metrics.snapshot();
  r.captured = total(s, "captured");
  r.captured_bytes = total(s, "captured_bytes");
  r.filtered_out = total(s, "filtered_out");
  r.beyond_count = total(s, "beyond_count");
  r.processed = total(s, "processed");
  r.worker_queue_drops = total(s, "worker_queue_drops");
  r.in_flight = total(s, "in_flight");
  r.interface_losses = total(s, "interface_losses");
  r.kernel_packets = total(s, "kernel_packets");
  r.kernel_drops = total(s, "kernel_drops");
  r.kernel_freezes = total(s, "kernel_freezes");
  r.kernel_exact = final && live() && !sources.empty() &&
                   std::all_of(sources.begin(), sources.end(), [](const auto& src) { return src->exact_counts(); });
  r.if_rx_dropped = s.total("if_rx_dropped");
  r.if_rx_missed = s.total("if_rx_missed");
  r.if_rx_fifo = s.total("if_rx_fifo");
  r.softnet_drops = s.total("softnet_backlog_drops");
  r.file_bytes_read = total(s, "file_bytes_read");
  r.file_bytes = total(s, "file_bytes");
  if (dispatcher) r.copy_truncated = dispatcher->total_stats().copy_truncated;

  std::size_t f_index = 0;  // a factory's slot in every set
  for (const auto& f : factories) {
    AnalyzerReport ar;
    ar.name = std::string(f->name());
    for (const auto& x : s.samples) {
      if (label_of(x, "analyzer") != ar.name || !x.value) continue;
      if (x.desc.name == "analyzer_errors") ar.errors = *x.value;
      else if (x.desc.name == "analyzer_disabled") ar.disabled = *x.value;
      else if (x.desc.name == "analyzer_timer_fires") ar.timer_fires = *x.value;
      else if (x.desc.name == "analyzer_packets") ar.packets = *x.value;
      else if (x.desc.name == "analyzer_packets_missed") ar.packets_missed = *x.value;
      else if (x.desc.name == "analyzer_busy_seconds") ar.busy_ns = *x.value;
      else if (x.desc.name == "analyzer_calls") ar.calls = *x.value;
      else if (x.desc.name == "analyzer_max_call_seconds") ar.max_call_ns = *x.value;
      else if (x.desc.name == "analyzer_flow_records") ar.flow_records = *x.value;
      else if (x.desc.name == "analyzer_flow_records_missed") ar.flow_records_missed = *x.value;
      else if (x.desc.name.rfind("analyzer_", 0) == 0)
        ar.counters.push_back({x.desc.name.substr(9), *x.value});
    }
    // Which thread's call was the longest, and what it was: read from the slots themselves
    // (the registry keeps the maximum, not where it happened).
    std::uint64_t longest = 0;
    for (std::size_t t = 0; t < sets.size(); ++t) {
      if (f_index >= sets[t]->slots().size()) continue;
      const auto& slot = *sets[t]->slots()[f_index];
      const std::uint64_t m = slot.max_call_ns.load(std::memory_order_relaxed);
      const char* where = slot.max_call_where.load(std::memory_order_relaxed);
      if (m <= longest || where == nullptr) continue;
      longest = m;
      ar.max_call_thread = t;
      ar.max_call_where = where;
    }
    ++f_index;
    r.analyzers.push_back(std::move(ar));
  }
  r.tx_iface = tx_iface;
  r.tx_known = s.total("tx_sent").has_value();
  r.tx_sent = total(s, "tx_sent");
  r.tx_failed = total(s, "tx_failed");
  r.tx_retried = total(s, "tx_retried");
  r.tx_refused = total(s, "tx_refused");
  r.tx_oversize = total(s, "tx_oversize");
  r.pcap_written = total(s, "pcap_written");
  r.pcap_not_written = total(s, "pcap_not_written");
  r.pcap_queue_drops = total(s, "pcap_queue_drops");
  r.pcap_files = total(s, "pcap_files");
  r.offload_submitted = total(s, "offload_submitted");
  r.offload_completed = total(s, "offload_completed");
  r.offload_refused = total(s, "offload_refused");
  r.offload_failed = total(s, "offload_failed");
  r.offload_placement_failed = total(s, "offload_placement_failed");
  r.offload_max_latency_ns = static_cast<std::int64_t>(total(s, "offload_max_latency_seconds"));
  if (final) {
    for (const auto& f : factories) {
      try {
        f->outputs(r.outputs);
      } catch (...) {
        r.outputs.push_back({std::string(f->name()), "outputs", "", 0, 0, "outputs() threw"});
      }
    }
    for (const auto& o : r.outputs) {
      if (o.analyzer == "flow" && o.name == "flows") {
        r.flow_records += o.written;
        r.flow_records_dropped += o.dropped;
      }
    }
  }
  r.errors = errors_copy();
  r.metrics = std::move(s.samples);
  return r;
}

}  // namespace riptide
