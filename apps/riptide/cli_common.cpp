#include "cli_common.hpp"

#include <csignal>
#include <cstdio>

#include "riptide/analyze/flow_meter_analyzer.hpp"
#include "riptide/engine/engine.hpp"

namespace riptide::app {
namespace {

Engine* g_engine = nullptr;

extern "C" void on_stop_signal(int) {
  if (g_engine) g_engine->request_stop();
}

std::string join(const std::vector<std::string>& words) {
  std::string s;
  for (const auto& w : words) {
    if (!s.empty()) s += ' ';
    s += w;
  }
  return s;
}

}  // namespace

void add_run_options(CLI::App& app, RunOptions& o) {
  auto& e = o.engine;
  app.add_option("-w", e.write_path, "write the packets (after the filter) to this pcap file, '-' for stdout");
  app.add_option("-s,--snapshot-length", e.capture.snaplen, "bytes kept per packet (default 262144; never sizes the ring)")
      ->check(CLI::Range(64u, 262144u));
  app.add_option("-c", e.max_packets, "stop after this many packets")->check(CLI::Range(1ull, ~0ull));
  app.add_flag("-n", o.no_resolve, "do not resolve names (riptide never does; accepted for tcpdump habits)");
  app.add_flag("-q,--quiet", e.quiet, "no live status line");
  app.add_option("--flows-json", o.flows_json, "write one EVE-style JSON line per finished flow to FILE ('-': stdout)");
  app.add_option("--stats-json", e.stats_json_path, "write the per-stage figures as JSON to FILE at exit (and every --stats-interval)");
  app.add_option("--stats-interval", e.stats_json_interval_s, "seconds between --stats-json lines (0: only at exit)")
      ->check(CLI::Range(0u, 86400u));
  app.add_option("--max-flows", o.max_flows, "flow table size per packet thread; the least recent flow is evicted when full")
      ->check(CLI::Range(1u, 1u << 26));
  app.add_option("--flow-idle-timeout", o.flow_idle_s, "seconds without packets before a flow ends")->check(CLI::Range(0.001, 86400.0));
  app.add_option("--flow-active-timeout", o.flow_active_s, "seconds after which a long flow is exported and restarted (0: never)")
      ->check(CLI::Range(0.0, 864000.0));
  app.add_option("--topology", o.topology, "workers (analyze on the capture threads) or dispatch (hand packets to --workers threads)")
      ->check(CLI::IsMember({"workers", "dispatch"}));
  app.add_option("--workers", e.dispatch.workers, "dispatch topology: analysis threads")->check(CLI::Range(1, 64));
  app.add_option("--worker-ring", e.dispatch.ring_slots, "dispatch topology: packets each worker queue holds")
      ->check(CLI::Range(16, 1 << 22));
  app.add_option("expression", o.filter_words, "filter expression (tcpdump/pcap-filter syntax)");
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
  } catch (const CLI::ParseError& err) {
    std::fprintf(stderr, "riptide %s: %s (see 'riptide %s --help')\n", cmd, err.what(), cmd);
    return 2;
  }
  return -1;
}

int run_engine(const char* cmd, RunOptions& o) {
  FlowMeterConfig fc;
  fc.max_flows = o.max_flows;
  fc.idle_timeout_ns = static_cast<TimestampNs>(o.flow_idle_s * 1e9);
  fc.active_timeout_ns = static_cast<TimestampNs>(o.flow_active_s * 1e9);
  auto flows = FlowMeterFactory::create(fc, o.flows_json);
  if (!flows) {
    std::fprintf(stderr, "riptide %s: %s\n", cmd, flows.error().message.c_str());
    return 2;
  }
  std::vector<std::unique_ptr<AnalyzerFactory>> analyzers;
  analyzers.push_back(std::move(*flows));

  auto engine = Engine::create(o.engine, std::move(analyzers));
  if (!engine) {
    std::fprintf(stderr, "riptide %s: %s\n", cmd, engine.error().message.c_str());
    return 2;
  }
  if (!o.engine.quiet) std::fputs((*engine)->banner().c_str(), stderr);

  g_engine = engine->get();
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  std::signal(SIGPIPE, SIG_IGN);  // a closed output pipe is a write error, reported

  auto rep = (*engine)->run();
  g_engine = nullptr;
  if (!rep) {
    std::fprintf(stderr, "riptide %s: %s\n", cmd, rep.error().message.c_str());
    RunReport partial = (*engine)->snapshot();
    std::fputs(format_report(partial).c_str(), stderr);
    return 1;
  }
  std::fputs(format_report(*rep).c_str(), stderr);
  // A fault in an input file or an output is reported above and makes the exit status 1,
  // but everything before it was processed and written.
  return rep->errors.empty() ? 0 : 1;
}

}  // namespace riptide::app
