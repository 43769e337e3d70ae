// riptide capture: live capture from an interface through the analyzers.
#include <sstream>

#include "cli_common.hpp"
#include "config_file.hpp"
#include "riptide/capture/iface_list.hpp"
#include "riptide/commands.hpp"
#include "riptide/engine/engine.hpp"

namespace riptide::app {
namespace {

bool parse_cpus(const std::string& s, std::vector<int>& out) {
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) {
    try {
      std::size_t pos = 0;
      const int v = std::stoi(item, &pos);
      if (pos != item.size() || v < 0 || v >= CPU_SETSIZE) return false;
      out.push_back(v);
    } catch (...) {
      return false;
    }
  }
  return !out.empty();
}

// The exit status to stop with (help, bad flag or value), or -1 with `o` ready to run.
int parse_capture(int argc, char** argv, RunOptions& o) {
  CLI::App app{"Capture live traffic without loss and report where every packet went.\n"
               "usage: riptide capture -i IFACE [options] [filter expression]",
               "riptide capture"};
  add_config_options(app);
  auto& e = o.engine;
  auto& c = e.capture;
  std::string backend = "afpacket", fanout = "hash", cpus, direction = "inout";
  std::uint32_t buffer_kib = 0;
  bool no_promisc = false;
  bool list = false;
  app.add_option("-i,--interface", c.iface, "interface to capture on ('any': every interface, cooked LINUX_SLL2 headers)")->group("capture");
  app.add_flag("-D,--list-interfaces", list, "list the interfaces one can capture on, and exit (tcpdump's -D)")->group("capture");
  app.add_option("--backend", backend, "afpacket (TPACKET_V3 ring, default) or pcap (libpcap, compatibility)")
      ->check(CLI::IsMember({"afpacket", "pcap"}))->group("capture");
  app.add_option("--threads", e.capture_threads, "capture threads = sockets in one fanout group")->check(CLI::Range(1u, 64u))->group("capture");
  app.add_option("--fanout", fanout, "how the kernel spreads packets over --threads: hash (flow-affine), cpu, lb, qm, rollover")
      ->check(CLI::IsMember({"hash", "cpu", "lb", "qm", "rollover"}))->group("capture");
  app.add_option("--cpus", cpus, "CPUs to pin to, capture threads first, then workers (e.g. 1 or 1,0)")->group("capture");
  std::string offload_cpus;
  app.add_option("--offload-cpus", offload_cpus,
                 "CPUs the offload threads may run on (e.g. 0 or 0,1); they always run at batch priority (SCHED_BATCH, nice 10)")
      ->group("offload");
  app.add_option("--rate", c.expected_pps, "expected packets/s: sizes the ring (and dispatch worker queues) with --ring-ms")->check(CLI::Range(1000ull, 100000000ull))->group("capture");
  app.add_option("--ring-ms", c.ring_ms, "stall (ms) the ring (and each dispatch worker queue) must ride out at --rate")->check(CLI::Range(1u, 60000u))->group("capture");
  app.add_option("--avg-frame", c.avg_frame_bytes, "average frame bytes expected, for ring sizing")->check(CLI::Range(60u, 65535u))->group("capture");
  app.add_option("-B,--buffer-size", buffer_kib, "ring size limit in KiB (tcpdump's -B); default 262144 (256 MiB)")
      ->check(CLI::Range(1024u, 16u << 20))->group("capture");
  app.add_option("--block-timeout", c.block_timeout_ms,
                 "ms before a partly filled ring block is handed over (default: the longest delay every analyzer accepts, 10 ms for your own)")->check(CLI::Range(1u, 1000u))->group("capture");
  app.add_flag("-p,--no-promiscuous-mode", no_promisc, "do not put the interface in promiscuous mode")->group("capture");
  app.add_option("--duration", e.duration_s, "stop after this many seconds")->check(CLI::Range(0.01, 1e9))->group("capture");
  std::string run_as;
  app.add_option("-Z,--relinquish-privileges", run_as,
                 "once the sockets and outputs are open, become USER, keeping only CAP_NET_RAW (tcpdump's -Z)")->group("capture");
  app.add_option("-Q,--direction", direction,
                 "what to capture, as tcpdump's -Q: inout (default: received and sent by this host), in, out; "
                 "riptide's own transmitted frames are never captured")
      ->check(CLI::IsMember({"in", "out", "inout"}))->group("capture");
  app.add_flag("--exit-on-iface-loss", e.exit_on_iface_loss, "exit (status 1) when the interface goes away, as tcpdump does")->group("capture");
  add_run_options(app, o);
  if (int rc = parse_or_exit(app, "capture", argc, argv); rc >= 0) return rc;
  if (list) {
    std::fputs(format_interfaces(list_interfaces()).c_str(), stdout);
    return 0;
  }
  if (c.iface.empty()) {
    std::fprintf(stderr, "riptide capture: -i IFACE is required (see 'riptide capture --help', -D lists interfaces)\n");
    return 2;
  }

  e.backend = backend == "pcap" ? Backend::pcap : Backend::afpacket;
  e.block_timeout_set = app.count("--block-timeout") > 0;
  // Without --worker-ring, worker queues ride out the same stall as the ring (--rate, --ring-ms).
  e.plan_worker_ring = app.count("--worker-ring") == 0;
  c.promisc = !no_promisc;
  c.direction = direction == "in" ? CaptureDirection::in : direction == "out" ? CaptureDirection::out : CaptureDirection::inout;
  if (buffer_kib) c.max_ring_bytes = static_cast<std::uint64_t>(buffer_kib) << 10;
  if (e.capture_threads > 1) {
    FanoutConfig f;
    f.mode = fanout == "cpu" ? FanoutMode::cpu
           : fanout == "lb" ? FanoutMode::lb
           : fanout == "qm" ? FanoutMode::qm
           : fanout == "rollover" ? FanoutMode::rollover
                                  : FanoutMode::hash;
    c.fanout = f;
  }
  if (!cpus.empty() && !parse_cpus(cpus, e.cpus)) {
    std::fprintf(stderr, "riptide capture: --cpus: '%s' is not a list of CPU numbers (e.g. 1 or 0,1)\n", cpus.c_str());
    return 2;
  }
  if (!offload_cpus.empty() && !parse_cpus(offload_cpus, e.offload.cpus)) {
    std::fprintf(stderr, "riptide capture: --offload-cpus: '%s' is not a list of CPU numbers (e.g. 0 or 0,1)\n",
                 offload_cpus.c_str());
    return 2;
  }
  if (!finish_run_options("capture", o)) return 2;
  if (!finish_write_options("capture", app, o.write, o.engine)) return 2;
  if (!finish_flows_rotation("capture", o.flows_rotate, o.flows_json, o.flows_rotation)) return 2;
  if (!run_as.empty()) {
    auto u = resolve_run_as(run_as);
    if (!u) {
      std::fprintf(stderr, "riptide capture: %s\n", u.error().message.c_str());
      return 2;
    }
    o.run_as = *u;
  }
  return print_config_if_asked(app, "capture");
}

}  // namespace

int cmd_capture(int argc, char** argv) {
  RunOptions o;
  if (int rc = parse_capture(argc, argv, o); rc >= 0) return rc;
  return run_engine("capture", o);
}

int check_capture(int argc, char** argv) {
  RunOptions o;
  return parse_capture(argc, argv, o);
}

}  // namespace riptide::app
