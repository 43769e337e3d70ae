#include "cli_common.hpp"

#include <csignal>
#include <cstdio>
#include <cstdlib>

#include "riptide/analyze/flow_meter_analyzer.hpp"
#include "riptide/analyze/heavy_hitters.hpp"
#include "riptide/analyze/plugin.hpp"
#include "riptide/analyze/reporter.hpp"
#include "riptide/gen/seq_check.hpp"
#include "riptide/engine/engine.hpp"

namespace riptide::app {
namespace {

Engine* g_engine = nullptr;

extern "C" void on_stop_signal(int) {
  if (g_engine) g_engine->request_stop();
}

extern "C" void on_report_signal(int) {
  if (g_engine) g_engine->request_report();
}

std::string join(const std::vector<std::string>& words) {
  std::string s;
  for (const auto& w : words) {
    if (!s.empty()) s += ' ';
    s += w;
  }
  return s;
}

std::chrono::nanoseconds seconds_ns(double s) {
  return std::chrono::nanoseconds(static_cast<std::int64_t>(s * 1e9));
}

// The analyzers of a run, in delivery order: flow meter, --analyzer list, --seq-check, plugins.
Result<std::vector<std::unique_ptr<AnalyzerFactory>>> build_analyzers(const RunOptions& o) {
  std::vector<std::unique_ptr<AnalyzerFactory>> v;
  if (!o.no_flows) {
    FlowMeterConfig fc;
    fc.max_flows = o.max_flows;
    fc.idle_timeout_ns = static_cast<TimestampNs>(o.flow_idle_s * 1e9);
    fc.active_timeout_ns = static_cast<TimestampNs>(o.flow_active_s * 1e9);
    fc.closed_timeout_ns = static_cast<TimestampNs>(o.flow_closed_s * 1e9);
    auto flows = FlowMeterFactory::create(fc, o.flows_json);
    if (!flows) return flows.error();
    v.push_back(std::move(*flows));
  }
  for (const auto& name : o.analyzers) {
    if (name == "reporter") {
      ReporterConfig rc;
      rc.period = seconds_ns(o.report_period_s);
      rc.top_n = o.report_top;
      rc.transport = o.report_transport == "udp" ? ReporterConfig::Transport::udp : ReporterConfig::Transport::ethertype;
      auto r = ReporterFactory::create(rc);
      if (!r) return r.error();
      v.push_back(std::move(*r));
    } else if (name == "heavy-hitters") {
      HeavyHittersConfig hc;
      hc.window = seconds_ns(o.hh_window_s);
      hc.k = o.hh_k;
      hc.output = o.hh_out;
      auto h = HeavyHittersFactory::create(hc);
      if (!h) return h.error();
      v.push_back(std::move(*h));
    }
  }
  if (!o.seq_check_json.empty()) v.push_back(std::make_unique<SeqCheckFactory>(o.seq_check_json));
  for (const auto& spec : o.plugins) {
    auto p = load_plugin(spec);
    if (!p) return p.error();
    v.push_back(std::move(*p));
  }
  if (v.empty()) return Error{Errc::invalid_argument, "--no-flows leaves no analyzer: add --analyzer or --plugin"};
  return v;
}

}  // namespace

void add_run_options(CLI::App& app, RunOptions& o) {
  auto& e = o.engine;
  app.add_option("-w,--write", e.write_path, "write the packets (after the filter) to this pcap file, '-' for stdout")->group("outputs");
  app.add_option("-s,--snapshot-length", e.capture.snaplen, "bytes kept per packet (default 262144; never sizes the ring)")
      ->check(CLI::Range(64u, 262144u))->group("capture");
  app.add_option("-c,--max-packets", e.max_packets, "stop after this many packets")->check(CLI::Range(1ull, ~0ull))->group("capture");
  app.add_flag("-n,--no-resolve", o.no_resolve, "do not resolve names (riptide never does; accepted for tcpdump habits)")->group("capture");
  app.add_flag("-q,--quiet", e.quiet, "no live status line")->group("outputs");
  app.add_option("--flows-json", o.flows_json, "write one EVE-style JSON line per finished flow to FILE ('-': stdout)")->group("outputs");
  app.add_option("--stats-json", e.stats_json_path, "write the per-stage figures as JSON to FILE at exit (and every --stats-interval)")->group("metrics");
  app.add_option("--watchdog", e.watchdog_ms, "milliseconds an analyzer may stay in one call before it is named on stderr (0: off)")
      ->check(CLI::Range(0u, 3'600'000u))->group("analyzers");
  app.add_option("--metrics-listen", e.metrics_listen,
                 "serve Prometheus metrics at http://ADDR:PORT/metrics (PORT alone: 127.0.0.1; nothing listens unless asked)")->group("metrics");
  app.add_option("--stats-interval", e.stats_json_interval_s, "seconds between --stats-json lines (0: only at exit)")
      ->check(CLI::Range(0u, 86400u))->group("metrics");
  app.add_option("--max-flows", o.max_flows, "flow table size per packet thread; the least recent flow is evicted when full")
      ->check(CLI::Range(1u, 1u << 26))->group("flows");
  app.add_option("--flow-idle-timeout", o.flow_idle_s, "seconds without packets before a flow ends")->check(CLI::Range(0.001, 86400.0))->group("flows");
  app.add_option("--flow-active-timeout", o.flow_active_s, "seconds after which a long flow is exported and restarted (0: never)")
      ->check(CLI::Range(0.0, 864000.0))->group("flows");
  app.add_option("--flow-closed-timeout", o.flow_closed_s,
                 "seconds a TCP flow stays open after its FIN exchange or RST, for stragglers (0: end at once)")
      ->check(CLI::Range(0.0, 86400.0))->group("flows");
  app.add_flag("--no-flows", o.no_flows, "do not run the flow meter")->group("flows");
  app.add_option("--analyzer", o.analyzers, "also run a built-in analyzer: reporter, heavy-hitters (repeatable, or comma list)")
      ->delimiter(',')
      ->check(CLI::IsMember({"reporter", "heavy-hitters"}))->group("analyzers");
  app.add_option("--report-period", o.report_period_s, "reporter: seconds between summary frames sent on the transmit path")
      ->check(CLI::Range(0.001, 86400.0))->group("analyzers.reporter");
  app.add_option("--report-top", o.report_top, "reporter: top talkers per summary frame")->check(CLI::Range(0u, 16u))->group("analyzers.reporter");
  app.add_option("--report-transport", o.report_transport, "reporter: ethertype (raw Ethernet, default) or udp (IPv4/UDP broadcast)")
      ->check(CLI::IsMember({"ethertype", "udp"}))->group("analyzers.reporter");
  app.add_option("--hh-window", o.hh_window_s, "heavy-hitters: seconds of packet time per top-K window")
      ->check(CLI::Range(0.001, 86400.0))->group("analyzers.heavy-hitters");
  app.add_option("--hh-k", o.hh_k, "heavy-hitters: entries per top-K list")->check(CLI::Range(1u, 1000u))->group("analyzers.heavy-hitters");
  app.add_option("--hh-out", o.hh_out, "heavy-hitters: JSON lines to FILE ('-': stdout, '': counters only)")->group("analyzers.heavy-hitters");
  app.add_option("--seq-check", o.seq_check_json,
                 "count loss, duplicates, reordering and latency of riptide gen's sequence-numbered traffic; JSON to FILE")->group("analyzers");
  app.add_option("--topology", o.topology, "workers (analyze on the capture threads) or dispatch (hand packets to --workers threads)")
      ->check(CLI::IsMember({"workers", "dispatch"}))->group("dispatch");
  app.add_option("--workers", e.dispatch.workers, "dispatch topology: analysis threads")->check(CLI::Range(1, 64))->group("dispatch");
  app.add_option("--worker-ring", e.dispatch.ring_slots, "dispatch topology: packets each worker queue holds")
      ->check(CLI::Range(16, 1 << 22))->group("dispatch");
  app.add_option("--plugin", o.plugins, "load an analyzer from a shared object: PATH.so or PATH.so:ARGS (repeatable)")
      ->allow_extra_args(false)->group("analyzers");
  app.add_option("--offload-threads", e.offload.threads, "threads running analyzers' offloaded calculations (0: refuse them)")
      ->check(CLI::Range(0u, 256u))->group("offload");
  app.add_option("--offload-queue", e.offload.queue_capacity, "offloaded calculations waiting for a thread; more are refused")
      ->check(CLI::Range(1u, 1u << 20))->group("offload");
  app.add_option("--tx-iface", e.tx.iface, "interface analyzers transmit on (default: the capture interface; files: none)")->group("transmit");
  app.add_option("--tx-queue", e.tx.queue, "frames waiting for the transmit thread; more are refused")
      ->check(CLI::Range(1u, 1u << 20))->group("transmit");
  app.add_flag("--no-tx", e.tx.disabled, "no transmit path: analyzers' frames are refused (counted)")->group("transmit");
  app.add_option("expression", o.filter_words, "filter expression (tcpdump/pcap-filter syntax)")->group("capture");
}

bool finish_run_options(const char* cmd, RunOptions& o) {
  auto& e = o.engine;
  e.filter = join(o.filter_words);
  e.topology = o.topology == "dispatch" ? Topology::dispatch : Topology::workers;
  (void)cmd;
  return true;
}

int parse_or_exit(CLI::App& app, const char* cmd, int argc, char** argv) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::fputs(app.help().c_str(), stdout);
    return 0;
  } catch (const CLI::ConfigError& err) {
    // Already "FILE:LINE: key: reason": the place to fix is the file, not the flags.
    std::fprintf(stderr, "riptide %s: %s\n", cmd, err.what());
    return 2;
  } catch (const CLI::ParseError& err) {
    std::fprintf(stderr, "riptide %s: %s (see 'riptide %s --help')\n", cmd, err.what(), cmd);
    return 2;
  }
  return -1;
}

int run_engine(const char* cmd, RunOptions& o) {
  auto analyzers = build_analyzers(o);
  if (!analyzers) {
    std::fprintf(stderr, "riptide %s: %s\n", cmd, analyzers.error().message.c_str());
    return 2;
  }
  auto engine = Engine::create(o.engine, std::move(*analyzers));
  if (!engine) {
    std::fprintf(stderr, "riptide %s: %s\n", cmd, engine.error().message.c_str());
    return 2;
  }
  if (o.run_as) {
    DropOptions d;
    d.keep_net_admin = o.engine.capture.busy_poll_us.has_value();
    d.hand_over = {o.engine.stats_json_path};
    if (auto r = drop_privileges(*o.run_as, d); !r) {
      std::fprintf(stderr, "riptide %s: %s\n", cmd, r.error().message.c_str());
      return 1;
    }
  }
  if (!o.engine.quiet) std::fputs((*engine)->banner().c_str(), stderr);

  g_engine = engine->get();
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  // A closed terminal (ssh gone) ends the run like Ctrl-C: report, flows and -w complete.
  sigaction(SIGHUP, &sa, nullptr);
  struct sigaction su {};
  su.sa_handler = on_report_signal;
  sigemptyset(&su.sa_mask);
  su.sa_flags = SA_RESTART;
  sigaction(SIGUSR1, &su, nullptr);  // the report so far, on stderr; the run goes on
  std::signal(SIGPIPE, SIG_IGN);  // a closed output pipe is a write error, reported

  auto rep = (*engine)->run();
  g_engine = nullptr;
  if (!rep) {
    std::fprintf(stderr, "riptide %s: %s\n", cmd, rep.error().message.c_str());
    RunReport partial = (*engine)->snapshot();
    // The line above already said it: the report's error list need not say it twice.
    std::erase(partial.errors, rep.error().message);
    std::fputs(format_report(partial).c_str(), stderr);
    return 1;
  }
  std::fputs(format_report(*rep).c_str(), stderr);
  if (rep->forced) {
    // Threads that never returned still hold the engine: end the process without running
    // destructors under them. Everything written so far has been flushed.
    std::fflush(stdout);
    std::fflush(stderr);
    std::_Exit(1);
  }
  // A fault in an input file or an output is reported above and makes the exit status 1,
  // but everything before it was processed and written.
  return rep->errors.empty() ? 0 : 1;
}

}  // namespace riptide::app
