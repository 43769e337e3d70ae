#include "riptide/engine/run_report.hpp"

#include <cinttypes>
#include <cstdio>
#include <nlohmann/json.hpp>
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
    char buf[512];
    std::snprintf(buf, sizeof buf, fmt, args...);
    out += buf;
  }
  out += '\n';
}

struct DropPoint {
  const char* name;
  std::uint64_t count;
  const char* explanation;
};

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
    line(o, "  analyzer %-8s%s%s", a.name.c_str(), cs.c_str(),
         a.errors ? ("  errors " + grouped(a.errors) + (a.disabled ? "  DISABLED" : "")).c_str() : "");
  }
  if (r.pcap_written || r.pcap_not_written)
    line(o, "  pcap output  %s written, %s not written", grouped(r.pcap_written).c_str(), grouped(r.pcap_not_written).c_str());
  if (!r.tx_iface.empty())
    line(o, "  transmit     on %s: sent %s  failed %s  retried %s  refused %s", r.tx_iface.c_str(),
         grouped(r.tx_sent).c_str(), grouped(r.tx_failed).c_str(), grouped(r.tx_retried).c_str(),
         grouped(r.tx_refused).c_str());
  else if (r.tx_refused)
    line(o, "  transmit     %s frames refused (no transmit path configured)", grouped(r.tx_refused).c_str());
  if (r.offload_submitted || r.offload_refused)
    line(o, "  offload      submitted %s  completed %s  refused %s  failed %s  max latency %.3f ms",
         grouped(r.offload_submitted).c_str(), grouped(r.offload_completed).c_str(),
         grouped(r.offload_refused).c_str(), grouped(r.offload_failed).c_str(),
         static_cast<double>(r.offload_max_latency_ns) / 1e6);

  // The ledger: every packet handed to riptide is processed or counted somewhere.
  const std::uint64_t accounted = r.processed + r.filtered_out + r.beyond_count + r.worker_queue_drops;
  line(o, "  ledger       captured %s = processed %s + filtered %s + after -c %s + worker-queue drops %s: %s",
       grouped(r.captured).c_str(), grouped(r.processed).c_str(), grouped(r.filtered_out).c_str(),
       grouped(r.beyond_count).c_str(), grouped(r.worker_queue_drops).c_str(),
       accounted == r.captured ? "adds up" : "DOES NOT ADD UP");
  if (r.live && r.kernel_exact)
    line(o, "  kernel       received %s = captured %s + kernel drops %s: %s", grouped(r.kernel_packets).c_str(),
         grouped(r.captured).c_str(), grouped(r.kernel_drops).c_str(),
         r.kernel_packets == r.captured + r.kernel_drops ? "adds up" : "DOES NOT ADD UP");

  const DropPoint drops[] = {
      {"if_rx_dropped", r.if_rx_dropped.value_or(0),
       "the interface dropped packets before any socket saw them (no buffer, unknown protocol): not riptide's reading speed"},
      {"if_rx_missed", r.if_rx_missed.value_or(0) + r.if_rx_fifo.value_or(0),
       "the NIC ran out of receive descriptors: raise its RX ring (ethtool -G) or spread the load over queues (RSS)"},
      {"softnet_backlog_drops", r.softnet_drops.value_or(0),
       "a CPU's input backlog overflowed (all interfaces): raise net.core.netdev_max_backlog or spread interrupts (RPS)"},
      {"kernel_drops", r.kernel_drops,
       "kernel ring full: riptide read too slowly or the ring is too small; raise --ring-ms or add capture threads"},
      {"worker_queue_drops", r.worker_queue_drops,
       "a worker's queue was full: its analyzers are slower than the capture rate; add --workers or offload slow work"},
      {"pcap_not_written", r.pcap_not_written,
       "the -w output failed (disk full?) or a packet's link type differed from the file's; analysis went on"},
  };
  // Not packets: frames analyzers asked to send and calculations they asked to run. Listed
  // apart so that a refused frame is not read as a lost packet.
  const DropPoint undone[] = {
      {"tx_refused", r.tx_refused, "an analyzer's frame was refused: no transmit path, or its queue was full"},
      {"tx_failed", r.tx_failed, "the kernel did not take a frame an analyzer sent (link down, device queue full)"},
      {"offload_refused", r.offload_refused,
       "an analyzer's offloaded calculation was refused: the compute pool's queue was full; raise --offload-threads or --offload-queue"},
  };
  auto list = [&](const auto& points, const char* title) {
    bool any = false;
    for (const auto& d : points) {
      if (!d.count) continue;
      if (!any) line(o, "  %s", title);
      any = true;
      line(o, "    %-22s %12s  %s", d.name, grouped(d.count).c_str(), d.explanation);
    }
    return any;
  };
  if (!list(drops, "where packets were lost:")) line(o, "  no packet was lost at any stage");
  list(undone, "work analyzers asked for that was not done (frames, calculations; not packets):");
  for (const auto& a : r.analyzers)
    if (a.errors)
      line(o, "    analyzer %s threw %s time(s)%s: a bug in that analyzer; capture was not affected", a.name.c_str(),
           grouped(a.errors).c_str(), a.disabled ? " and was disabled" : "");
  for (const auto& e : r.errors) line(o, "  error: %s", e.c_str());
  return o;
}

std::string format_status(const RunReport& now, const RunReport& prev, double dt) {
  if (dt <= 0) dt = 1;
  const double pps = static_cast<double>(now.captured - prev.captured) / dt;
  const double mbps = static_cast<double>(now.captured_bytes - prev.captured_bytes) * 8 / dt / 1e6;
  char buf[256];
  std::snprintf(buf, sizeof buf,
                "[%6.1fs] %9.0f pps %8.1f Mbit/s | captured %" PRIu64 " processed %" PRIu64
                " | drops: kernel %" PRIu64 " worker-queue %" PRIu64 " interface %" PRIu64,
                now.elapsed_s, pps, mbps, now.captured, now.processed, now.kernel_drops, now.worker_queue_drops,
                now.if_rx_dropped.value_or(0) + now.if_rx_missed.value_or(0) + now.softnet_drops.value_or(0));
  return buf;
}

std::string report_json(const RunReport& r) {
  nlohmann::ordered_json j;
  j["final"] = r.final;
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
  j["interface_losses"] = r.interface_losses;
  j["ledger_balanced"] = r.ledger_balanced();
  nlohmann::ordered_json d;
  d["packets"] = r.decode.packets;
  d["ok"] = r.decode.decoded_ok;
  d["snaplen_truncated"] = r.decode.snaplen_truncated;
  d["length_beyond_wire"] = r.decode.length_beyond_wire;
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
    for (const auto& c : a.counters) x[c.name] = c.value;
    an[a.name] = x;
  }
  j["analyzers"] = an;
  j["pcap_written"] = r.pcap_written;
  j["pcap_not_written"] = r.pcap_not_written;
  j["tx_iface"] = r.tx_iface;
  j["tx_sent"] = r.tx_sent;
  j["tx_failed"] = r.tx_failed;
  j["tx_retried"] = r.tx_retried;
  j["tx_refused"] = r.tx_refused;
  j["offload_submitted"] = r.offload_submitted;
  j["offload_completed"] = r.offload_completed;
  j["offload_refused"] = r.offload_refused;
  j["offload_failed"] = r.offload_failed;
  j["offload_max_latency_ns"] = r.offload_max_latency_ns;
  j["errors"] = r.errors;
  return j.dump();
}

}  // namespace riptide
