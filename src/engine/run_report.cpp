#include "riptide/engine/run_report.hpp"

#include <cinttypes>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <algorithm>
#include <iterator>
#include <string>

namespace riptide {
namespace {

// 1234567 -> "1,234,567": reports are read by people.
std::string grouped(std::uint64_t v) {
  char tmp[32];
  int n = 0, digits = 0;
  do {
    if (digits && digits % 3 == 0) tmp[n++] = ',';
    tmp[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
    ++digits;
  } while (v);
  return std::string(std::make_reverse_iterator(tmp + n), std::make_reverse_iterator(tmp));
}

std::string opt(const std::optional<std::uint64_t>& v) { return v ? grouped(*v) : std::string("n/a"); }

void line(std::string& out, const char* fmt, auto... args) {
  if constexpr (sizeof...(args) == 0) {
    out += fmt;  // a fixed line: no format to expand
  } else {
    const int n = std::snprintf(nullptr, 0, fmt, args...);
    if (n > 0) {
      std::string buf(static_cast<std::size_t>(n) + 1, '\0');
      std::snprintf(buf.data(), buf.size(), fmt, args...);
      buf.resize(static_cast<std::size_t>(n));
      out += buf;
    }
  }
  out += '\n';
}

std::string labels_text(const MetricDesc& d) {
  std::string o;
  for (const auto& [k, v] : d.labels) o += (o.empty() ? "" : ",") + k + "=" + v;
  return o.empty() ? o : "{" + o + "}";
}

// Drop points of one kind, summed over labels (a per-thread breakdown follows when several
// threads contributed).
struct DropLine {
  std::string name, advice, help;
  std::uint64_t count = 0;
  std::vector<std::pair<std::string, std::uint64_t>> parts;
};

std::vector<DropLine> drop_lines(const RunReport& r, DropKind kind) {
  std::vector<DropLine> out;
  for (const auto& x : r.metrics) {
    if (x.desc.drop != kind || !x.value || !*x.value) continue;
    auto it = std::find_if(out.begin(), out.end(), [&](const DropLine& d) { return d.name == x.desc.name; });
    if (it == out.end()) it = out.insert(out.end(), DropLine{x.desc.name, x.desc.advice, x.desc.help, 0, {}});
    it->count += *x.value;
    it->parts.emplace_back(labels_text(x.desc), *x.value);
  }
  return out;
}

// True when the registry holds this output's figures (so its drops are listed from there).
bool registered_output(const RunReport& r, const OutputStatus& x) {
  const MetricLabels l{{"analyzer", x.analyzer}, {"output", x.name}};
  return std::any_of(r.metrics.begin(), r.metrics.end(),
                     [&](const MetricSample& m) { return m.desc.name == "output_dropped" && m.desc.labels == l; });
}

}  // namespace

std::string format_report(const RunReport& r) {
  std::string o;
  line(o, "riptide report: %s, topology %s, %.2f s", r.input.c_str(), r.topology.c_str(), r.elapsed_s);
  if (r.live) {
    line(o, "  interface    rx_dropped %s  rx_missed %s  rx_fifo %s  softnet_backlog_drops %s",
         opt(r.if_rx_dropped).c_str(), opt(r.if_rx_missed).c_str(), opt(r.if_rx_fifo).c_str(),
         opt(r.softnet_drops).c_str());
    line(o, "  kernel ring  received %s  dropped %s  freezes %s", grouped(r.kernel_packets).c_str(),
         grouped(r.kernel_drops).c_str(), grouped(r.kernel_freezes).c_str());
  }
  {
    // The source's own counters (AF_PACKET polls and losing blocks, libpcap dispatches, a file's
    // skipped blocks), summed over threads; zeros left out.
    std::vector<std::pair<std::string, std::uint64_t>> own;
    for (const auto& x : r.metrics) {
      if (x.desc.name.rfind("source_", 0) != 0 || !x.value) continue;
      const std::string n = x.desc.name.substr(7);
      auto it = std::find_if(own.begin(), own.end(), [&](const auto& p) { return p.first == n; });
      if (it == own.end()) own.emplace_back(n, *x.value);
      else it->second += *x.value;
    }
    std::string cs;
    for (const auto& [n, v] : own)
      if (v) cs += "  " + n + " " + grouped(v);
    if (!cs.empty()) line(o, "  source      %s", cs.c_str());
  }
  line(o, "  captured     %s packets, %s bytes", grouped(r.captured).c_str(), grouped(r.captured_bytes).c_str());
  if (r.filtered_out) line(o, "  filter       %s rejected (not drops: the filter asked for it)", grouped(r.filtered_out).c_str());
  if (r.beyond_count) line(o, "  count limit  %s read after -c was reached, not analyzed", grouped(r.beyond_count).c_str());
  if (r.topology == "dispatch")
    line(o, "  dispatch     worker queue full %s  copy truncated %s", grouped(r.worker_queue_drops).c_str(),
         grouped(r.copy_truncated).c_str());
  line(o, "  processed    %s packets", grouped(r.processed).c_str());
  line(o, "  decode       ok %s  ipv4 %s  ipv6 %s  arp %s  tcp %s  udp %s  icmp %s  fragments %s  snaplen-cut %s",
       grouped(r.decode.decoded_ok).c_str(), grouped(r.decode.ipv4).c_str(), grouped(r.decode.ipv6).c_str(),
       grouped(r.decode.arp).c_str(), grouped(r.decode.tcp).c_str(), grouped(r.decode.udp).c_str(),
       grouped(r.decode.icmp + r.decode.icmpv6).c_str(), grouped(r.decode.fragments).c_str(),
       grouped(r.decode.snaplen_truncated).c_str());
  std::string encaps;
  for (const EncapCount& c : encap_counts(r.decode))
    if (c.packets) encaps += "  " + std::string(c.name) + " " + grouped(c.packets);
  if (!encaps.empty()) line(o, "  decode encap%s", encaps.c_str());
  if (r.decode.total_errors()) {
    std::string errs;
    for (std::size_t i = 1; i < r.decode.errors.size(); ++i) {
      if (!r.decode.errors[i]) continue;
      errs += "  " + std::string(to_string(static_cast<DecodeError>(i))) + " " + grouped(r.decode.errors[i]);
    }
    line(o, "  decode errors%s (packets still analyzed as far as they decoded)", errs.c_str());
  }
  if (r.decode.length_beyond_wire) {
    line(o, "  decode notes length_beyond_wire %s (an IP/UDP length claims more bytes than the frame had; analyzed as far as the bytes go)",
         grouped(r.decode.length_beyond_wire).c_str());
  }
  for (const auto& a : r.analyzers) {
    std::string cs;
    for (const auto& c : a.counters) cs += "  " + c.name + " " + grouped(c.value);
    if (a.packets) {
      char per[64];
      std::snprintf(per, sizeof per, "  %.0f ns/packet", static_cast<double>(a.busy_ns) / static_cast<double>(a.packets));
      cs += per;
    }
    if (a.max_call_ns >= 1'000'000) {
      char longest[96];
      std::snprintf(longest, sizeof longest, "  longest call %.1f ms (%s)", static_cast<double>(a.max_call_ns) / 1e6,
                    a.max_call_where.empty() ? "?" : a.max_call_where.c_str());
      cs += longest;
    }
    if (a.flow_records) cs += "  flow records " + grouped(a.flow_records);
    if (a.packets_missed) cs += "  MISSED " + grouped(a.packets_missed) + " packets";
    if (a.flow_records_missed) cs += "  MISSED " + grouped(a.flow_records_missed) + " flow records";
    line(o, "  analyzer %-8s%s%s", a.name.c_str(), cs.c_str(),
         a.errors ? ("  errors " + grouped(a.errors) + (a.disabled ? "  DISABLED" : "")).c_str() : "");
  }
  for (const auto& x : r.outputs)
    line(o, "  output       %s %s -> %s: %s written, %s not written%s%s", x.analyzer.c_str(), x.name.c_str(),
         x.target.c_str(), grouped(x.written).c_str(), grouped(x.dropped).c_str(), x.error.empty() ? "" : ": ",
         x.error.c_str());
  if (r.pcap_written || r.pcap_not_written || r.pcap_queue_drops)
    line(o, "  pcap output  %s written, %s not written, %s dropped (queue full), %s file(s)", grouped(r.pcap_written).c_str(),
         grouped(r.pcap_not_written).c_str(), grouped(r.pcap_queue_drops).c_str(), grouped(r.pcap_files).c_str());
  if (!r.tx_iface.empty())
    line(o, "  transmit     on %s: sent %s  failed %s  retried %s  refused %s%s", r.tx_iface.c_str(),
         grouped(r.tx_sent).c_str(), grouped(r.tx_failed).c_str(), grouped(r.tx_retried).c_str(),
         grouped(r.tx_refused).c_str(),
         r.tx_oversize ? (" (" + grouped(r.tx_oversize) + " longer than the MTU allows)").c_str() : "");
  else if (r.tx_refused)
    line(o, "  transmit     %s frames refused (no transmit path configured)", grouped(r.tx_refused).c_str());
  if (r.offload_submitted || r.offload_refused)
    line(o, "  offload      submitted %s  completed %s  refused %s  failed %s  max latency %.3f ms",
         grouped(r.offload_submitted).c_str(), grouped(r.offload_completed).c_str(),
         grouped(r.offload_refused).c_str(), grouped(r.offload_failed).c_str(),
         static_cast<double>(r.offload_max_latency_ns) / 1e6);
  if (r.offload_placement_failed)
    line(o, "  offload      %s threads could not be placed (--offload-cpus, batch priority): they compete with capture",
         grouped(r.offload_placement_failed).c_str());

  // The ledger: every packet handed to riptide is processed or counted somewhere.
  line(o, "  ledger       captured %s = processed %s + filtered %s + after -c %s + worker-queue drops %s%s: %s",
       grouped(r.captured).c_str(), grouped(r.processed).c_str(), grouped(r.filtered_out).c_str(),
       grouped(r.beyond_count).c_str(), grouped(r.worker_queue_drops).c_str(),
       r.in_flight ? (" + in flight " + grouped(r.in_flight)).c_str() : "",
       r.ledger_balanced() ? "adds up" : "DOES NOT ADD UP");
  if (r.live && r.kernel_exact)
    line(o, "  kernel       received %s = captured %s + kernel drops %s: %s", grouped(r.kernel_packets).c_str(),
         grouped(r.captured).c_str(), grouped(r.kernel_drops).c_str(),
         r.kernel_packets == r.captured + r.kernel_drops ? "adds up" : "DOES NOT ADD UP");

  // Drop points come from the registry: each stage registered its own with its advice.
  auto list = [&](DropKind kind, const char* title) {
    const auto lines = drop_lines(r, kind);
    if (lines.empty()) return false;
    line(o, "  %s", title);
    for (const auto& d : lines) {
      line(o, "    %-22s %12s  %s: %s", d.name.c_str(), grouped(d.count).c_str(), d.help.c_str(), d.advice.c_str());
      if (d.parts.size() > 1)
        for (const auto& [where, n] : d.parts) line(o, "      %-20s %12s", where.c_str(), grouped(n).c_str());
    }
    return true;
  };
  const bool lost = list(DropKind::packets, "where packets were lost:");
  if (lost)
    if (const std::string why = stall_advice(r); !why.empty()) line(o, "    why: %s", why.c_str());
  bool unwritten = list(DropKind::output, "what was accepted for an output and not written:");
  for (const auto& x : r.outputs) {
    // Outputs registered in the metrics registry were listed above (output_dropped).
    if (!x.dropped || registered_output(r, x)) continue;
    if (!unwritten) line(o, "  what was accepted for an output and not written:");
    unwritten = true;
    line(o, "    %-22s %12s  %s records of analyzer %s not written to %s%s%s", (x.name + "_dropped").c_str(),
         grouped(x.dropped).c_str(), x.name.c_str(), x.analyzer.c_str(), x.target.c_str(),
         x.error.empty() ? "" : ": ", x.error.c_str());
  }
  if (!lost && !unwritten) {
    if (r.ledger_balanced()) line(o, "  no packet was lost at any stage");
    else line(o, "  the ledger does not add up: some packets are not accounted for (a riptide bug: please report it)");
  }
  list(DropKind::work, "work analyzers asked for that was not done (frames, calculations; not packets):");
  list(DropKind::analyzer, "packets an analyzer did not see (captured and seen by the others):");
  for (const auto& a : r.analyzers)
    if (a.errors)
      line(o, "    analyzer %s threw %s time(s)%s: a bug in that analyzer; it did not see %s packets, the other analyzers saw them",
           a.name.c_str(), grouped(a.errors).c_str(), a.disabled ? " and was disabled" : "",
           grouped(a.packets_missed).c_str());
  for (const auto& e : r.errors) line(o, "  error: %s", e.c_str());
  return o;
}

std::string format_status(const RunReport& now, const RunReport& prev, double dt) {
  if (dt <= 0) dt = 1;
  const double pps = static_cast<double>(now.captured - prev.captured) / dt;
  const double mbps = static_cast<double>(now.captured_bytes - prev.captured_bytes) * 8 / dt / 1e6;
  char buf[320];
  std::snprintf(buf, sizeof buf,
                "[%6.1fs] %9.0f pps %8.1f Mbit/s | captured %" PRIu64 " processed %" PRIu64,
                now.elapsed_s, pps, mbps, now.captured, now.processed);
  std::string o = buf;
  if (now.file_bytes) {
    // Files: how far, and how long at this pace.
    const double share = static_cast<double>(now.file_bytes_read) / static_cast<double>(now.file_bytes);
    const double bps = static_cast<double>(now.file_bytes_read - prev.file_bytes_read) / dt;
    const double left = bps > 0 ? static_cast<double>(now.file_bytes - now.file_bytes_read) / bps : -1;
    std::snprintf(buf, sizeof buf, " | %5.1f%% of %.1f MB", share * 100, static_cast<double>(now.file_bytes) / 1e6);
    o += buf;
    if (left >= 0) {
      std::snprintf(buf, sizeof buf, ", %.0f s left", left);
      o += buf;
    }
  }
  if (now.live) {
    std::snprintf(buf, sizeof buf, " | drops: kernel %" PRIu64 " worker-queue %" PRIu64 " interface %" PRIu64,
                  now.kernel_drops, now.worker_queue_drops,
                  now.if_rx_dropped.value_or(0) + now.if_rx_missed.value_or(0) + now.softnet_drops.value_or(0));
    o += buf;
  } else if (now.worker_queue_drops) {
    o += " | worker-queue drops " + std::to_string(now.worker_queue_drops);
  }
  // Several capture threads: each one's rate, so an unbalanced fanout or a hot thread shows.
  std::string per;
  int threads = 0;
  for (const auto& x : now.metrics) {
    if (x.desc.name != "captured" || !x.value) continue;
    std::uint64_t before = 0;
    for (const auto& y : prev.metrics)
      if (y.desc.name == "captured" && y.desc.labels == x.desc.labels && y.value) before = *y.value;
    std::snprintf(buf, sizeof buf, "%s%.0f", per.empty() ? "" : " ", static_cast<double>(*x.value - before) / dt);
    per += buf;
    ++threads;
  }
  if (threads > 1) o += " | pps per thread " + per;
  return o;
}

std::string report_json(const RunReport& r) {
  nlohmann::ordered_json j;
  j["final"] = r.final;
  if (r.forced) j["forced_stop"] = true;
  j["input"] = r.input;
  j["topology"] = r.topology;
  j["elapsed_s"] = r.elapsed_s;
  auto put_opt = [&](const char* k, const std::optional<std::uint64_t>& v) {
    if (v) j[k] = *v; else j[k] = nullptr;
  };
  put_opt("if_rx_dropped", r.if_rx_dropped);
  put_opt("if_rx_missed", r.if_rx_missed);
  put_opt("if_rx_fifo", r.if_rx_fifo);
  put_opt("softnet_backlog_drops", r.softnet_drops);
  j["kernel_packets"] = r.kernel_packets;
  j["kernel_drops"] = r.kernel_drops;
  j["kernel_freezes"] = r.kernel_freezes;
  j["captured"] = r.captured;
  j["captured_bytes"] = r.captured_bytes;
  j["filtered_out"] = r.filtered_out;
  j["beyond_count"] = r.beyond_count;
  j["worker_queue_drops"] = r.worker_queue_drops;
  j["copy_truncated"] = r.copy_truncated;
  j["processed"] = r.processed;
  j["in_flight"] = r.in_flight;
  j["interface_losses"] = r.interface_losses;
  j["ledger_balanced"] = r.ledger_balanced();
  nlohmann::ordered_json d;
  d["packets"] = r.decode.packets;
  d["ok"] = r.decode.decoded_ok;
  d["snaplen_truncated"] = r.decode.snaplen_truncated;
  d["length_beyond_wire"] = r.decode.length_beyond_wire;
  nlohmann::ordered_json encap = nlohmann::ordered_json::object();
  for (const EncapCount& c : encap_counts(r.decode)) encap[std::string(c.name)] = c.packets;
  d["encap"] = encap;
  nlohmann::ordered_json errs = nlohmann::ordered_json::object();
  for (std::size_t i = 1; i < r.decode.errors.size(); ++i)
    errs[std::string(to_string(static_cast<DecodeError>(i)))] = r.decode.errors[i];
  d["errors"] = errs;
  j["decode"] = d;
  nlohmann::ordered_json an = nlohmann::ordered_json::object();
  for (const auto& a : r.analyzers) {
    nlohmann::ordered_json x;
    x["errors"] = a.errors;
    x["disabled"] = a.disabled;
    x["timer_fires"] = a.timer_fires;
    x["packets"] = a.packets;
    x["packets_missed"] = a.packets_missed;
    x["busy_ns"] = a.busy_ns;
    x["calls"] = a.calls;
    x["max_call_ns"] = a.max_call_ns;
    if (!a.max_call_where.empty()) {
      x["max_call_thread"] = a.max_call_thread;
      x["max_call_where"] = a.max_call_where;
    }
    if (a.flow_records) {
      x["flow_records"] = a.flow_records;
      x["flow_records_missed"] = a.flow_records_missed;
    }
    for (const auto& c : a.counters) x[c.name] = c.value;
    an[a.name] = x;
  }
  j["analyzers"] = an;
  nlohmann::ordered_json outs = nlohmann::ordered_json::array();
  for (const auto& x : r.outputs) {
    nlohmann::ordered_json o;
    o["analyzer"] = x.analyzer;
    o["name"] = x.name;
    o["target"] = x.target;
    o["written"] = x.written;
    o["dropped"] = x.dropped;
    o["error"] = x.error;
    outs.push_back(o);
  }
  j["outputs"] = outs;
  j["flow_records"] = r.flow_records;
  j["flow_records_dropped"] = r.flow_records_dropped;
  j["pcap_written"] = r.pcap_written;
  j["pcap_not_written"] = r.pcap_not_written;
  j["pcap_queue_drops"] = r.pcap_queue_drops;
  j["pcap_files"] = r.pcap_files;
  j["tx_iface"] = r.tx_iface;
  // The socket's own counters are known once the transmit thread stopped: null before.
  if (r.tx_known) {
    j["tx_sent"] = r.tx_sent;
    j["tx_failed"] = r.tx_failed;
    j["tx_retried"] = r.tx_retried;
  } else {
    j["tx_sent"] = nullptr;
    j["tx_failed"] = nullptr;
    j["tx_retried"] = nullptr;
  }
  j["tx_refused"] = r.tx_refused;
  j["tx_oversize"] = r.tx_oversize;
  j["offload_submitted"] = r.offload_submitted;
  j["offload_completed"] = r.offload_completed;
  j["offload_refused"] = r.offload_refused;
  j["offload_failed"] = r.offload_failed;
  j["offload_max_latency_ns"] = r.offload_max_latency_ns;
  j["offload_placement_failed"] = r.offload_placement_failed;
  j["errors"] = r.errors;
  if (const std::string why = stall_advice(r); !why.empty()) j["stall_advice"] = why;
  // Every registered figure with its labels: what the fields above summarise.
  nlohmann::ordered_json ms = nlohmann::ordered_json::array();
  for (const auto& x : r.metrics) {
    nlohmann::ordered_json m;
    m["name"] = x.desc.name;
    if (!x.desc.labels.empty()) {
      nlohmann::ordered_json l = nlohmann::ordered_json::object();
      for (const auto& [k, v] : x.desc.labels) l[k] = v;
      m["labels"] = l;
    }
    if (x.value) m["value"] = *x.value; else m["value"] = nullptr;
    ms.push_back(m);
  }
  j["metrics"] = ms;
  return j.dump();
}

}  // namespace riptide
