#include "cli_common.hpp"

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "riptide/analyze/flow_meter_analyzer.hpp"
#include "riptide/analyze/heavy_hitters.hpp"
#include "riptide/analyze/plugin.hpp"
#include "riptide/analyze/reporter.hpp"
#include "riptide/flow/eve_json_sink.hpp"
#include "riptide/kafka/kafka_sink.hpp"
#include "riptide/gen/seq_check.hpp"
#include "riptide/ipfix/ipfix_exporter.hpp"
#include "riptide/engine/engine.hpp"
#include "config_file.hpp"
#include "python_hook.hpp"

namespace riptide::app {
namespace {

Engine* g_engine = nullptr;

extern "C" void on_stop_signal(int) {
  if (g_engine) g_engine->request_stop();
}

extern "C" void on_reopen_signal(int) {
  if (g_engine) g_engine->request_reopen();
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

// Where finished flows go, in this order; each output is open (or refused) before capture.
// A new flow output is one more push_back here.
Result<std::vector<std::unique_ptr<FlowRecordSink>>> flow_sinks(const RunOptions& o) {
  std::vector<std::unique_ptr<FlowRecordSink>> v;
  if (!o.flows_json.empty()) {
    EveFormatOptions fmt;
    fmt.extensions = o.eve_extensions;
    // Live capture: the interface every record came in on (-i; "any" when it was).
    if (o.engine.backend != Backend::file) fmt.in_iface = o.engine.capture.iface;
    auto s = EveJsonSink::open(o.flows_json, o.flows_rotation, fmt);
    if (!s) return s.error();
    v.push_back(std::move(*s));
  }
  if (!o.kafka.empty()) {
    auto t = parse_kafka_target(o.kafka);
    if (!t) return t.error();
    KafkaSinkConfig kc;
    kc.brokers = t->first;
    kc.topic = t->second;
    if (o.engine.backend != Backend::file) kc.in_iface = o.engine.capture.iface;
    for (const auto& kv : o.kafka_opts) {
      auto p = parse_kafka_option(kv);
      if (!p) return p.error();
      kc.options.push_back(std::move(*p));
    }
    auto s = KafkaSink::create(kc);
    if (!s) return s.error();
    v.push_back(std::move(*s));
  } else if (!o.kafka_opts.empty()) {
    return Error{Errc::invalid_argument, "--kafka-opt needs --kafka BROKERS/TOPIC"};
  }
  if (!o.ipfix.empty()) {
    IpfixConfig ic;
    ic.collector = o.ipfix;
    ic.template_period_ns = static_cast<TimestampNs>(o.ipfix_template_s * 1e9);
    ic.max_message = o.ipfix_mtu;
    ic.domain_id = o.ipfix_domain;
    auto x = IpfixExporter::create(std::move(ic));
    if (!x) return x.error();
    v.push_back(std::move(*x));
  }
  return v;
}

// --analyzer-opt (the file's first, then the command line's) into the engine's settings. The
// heavy-hitters output is opened when its factory is made: its `out` is taken here, so that
// the stream check below sees it and no other file is opened first.
Result<void> analyzer_settings(RunOptions& o) {
  o.engine.analyzer_options.clear();
  const auto& origins = analyzer_opt_origins();
  for (const auto& text : o.analyzer_opts) {
    const auto it = origins.find(text);
    auto s = parse_option_setting(text, it == origins.end() ? std::string(kAnalyzerOptFlag) : it->second);
    if (!s) return s.error();
    if (s->analyzer == "heavy-hitters" && s->key == "out") o.hh_out = s->value;
    o.engine.analyzer_options.push_back(std::move(*s));
  }
  return {};
}

// Two outputs on one stream would splice one into the other (JSON lines inside a pcap): every
// output must have a stream of its own. /dev/null takes any number.
Result<void> check_output_streams(const RunOptions& o) {
  std::vector<std::pair<std::string, std::string>> outs;  // (flag, path)
  if (!o.engine.write_path.empty()) outs.emplace_back("-w", o.engine.write_path);
  if (!o.no_flows && !o.flows_json.empty()) outs.emplace_back("--flows-json", o.flows_json);
  if (std::find(o.analyzers.begin(), o.analyzers.end(), "heavy-hitters") != o.analyzers.end() && !o.hh_out.empty())
    outs.emplace_back(o.hh_out == "-" ? "--analyzer heavy-hitters (--hh-out, stdout by default)" : "--hh-out", o.hh_out);
  if (!o.seq_check_json.empty()) outs.emplace_back("--seq-check", o.seq_check_json);
  if (!o.engine.stats_json_path.empty()) outs.emplace_back("--stats-json", o.engine.stats_json_path);
  auto stream = [](const std::string& p) -> std::string {
    if (p == "-" || p == "/dev/stdout" || p == "/dev/fd/1" || p == "/proc/self/fd/1") return "standard output";
    std::error_code ec;
    const auto c = std::filesystem::weakly_canonical(p, ec);
    return ec ? p : c.string();
  };
  for (std::size_t i = 0; i < outs.size(); ++i) {
    const std::string a = stream(outs[i].second);
    if (a == "/dev/null") continue;
    for (std::size_t j = i + 1; j < outs.size(); ++j)
      if (stream(outs[j].second) == a)
        return Error{Errc::invalid_argument, outs[i].first + " and " + outs[j].first + " both write to " + a +
                                                 ": give each output a stream of its own"};
  }
  return {};
}

// The analyzers of a run, in delivery order: flow meter, --analyzer list, --seq-check, plugins.
Result<std::vector<std::unique_ptr<AnalyzerFactory>>> build_analyzers(const RunOptions& o) {
  std::vector<std::unique_ptr<AnalyzerFactory>> v;
  if (o.no_flows && !o.ipfix.empty()) return Error{Errc::invalid_argument, "--ipfix exports the flow meter's records: drop --no-flows"};
  if (!o.no_flows) {
    FlowMeterConfig fc;
    fc.max_flows = o.max_flows;
    fc.idle_timeout_ns = static_cast<TimestampNs>(o.flow_idle_s * 1e9);
    fc.active_timeout_ns = static_cast<TimestampNs>(o.flow_active_s * 1e9);
    fc.closed_timeout_ns = static_cast<TimestampNs>(o.flow_closed_s * 1e9);
    auto sinks = flow_sinks(o);
    if (!sinks) return sinks.error();
    auto flows = FlowMeterFactory::create(fc, std::move(*sinks));
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
  for (const auto& file : o.python) {
    auto p = load_python_analyzer(file, o.engine.backend == Backend::file);
    if (!p) return p.error();
    v.push_back(std::move(*p));
  }
  if (v.empty()) return Error{Errc::invalid_argument, "--no-flows leaves no analyzer: add --analyzer or --plugin"};
  return v;
}

}  // namespace

void add_run_options(CLI::App& app, RunOptions& o) {
  auto& e = o.engine;
  add_write_options(app, o.write, e);  // -w -s --format -U -C -G -W ... (group "outputs")
  app.add_option("-c,--max-packets", e.max_packets, "stop after this many packets")->check(CLI::Range(1ull, ~0ull))->group("capture");
  app.add_flag("-n,--no-resolve", o.no_resolve, "do not resolve names (riptide never does; accepted for tcpdump habits)")->group("capture");
  app.add_flag("-q,--quiet", e.quiet, "no live status line")->group("outputs");
  app.add_option("--flows-json", o.flows_json, "write one EVE-style JSON line per finished flow to FILE ('-': stdout)")->group("outputs");
  app.add_flag("--eve-extensions", o.eve_extensions,
               "--flows-json: add riptide's own fields (finer end reason, IP-header bytes, tunnel) in a \"riptide\" object")
      ->group("outputs");
  app.add_option("--kafka", o.kafka,
                 "send every finished flow as an EVE JSON message to Kafka: BROKERS/TOPIC, e.g. 127.0.0.1:9092/flows "
                 "(keyed by the flow's 5-tuple hash: one flow, one partition)")
      ->group("outputs");
  app.add_option("--kafka-opt", o.kafka_opts, "a librdkafka property KEY=VALUE for --kafka (repeatable), e.g. compression.type=lz4")
      ->allow_extra_args(false)
      ->group("outputs");
  add_flows_rotation_options(app, o.flows_rotate);  // --flows-rotate-mb/-s, --flows-files (group "outputs")
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
  app.add_option("--flow-key", o.flow_key,
                 "inner (default: flows by the innermost IP header, through IP-in-IP, GRE, VXLAN, Geneve, GTP-U "
                 "tunnels) or outer (by the outermost IP header: a tunnel is metered as its transport)")
      ->check(CLI::IsMember({"inner", "outer"}))->group("flows");
  app.add_option("--ipfix", o.ipfix, "export finished flows as IPFIX to [udp:|tcp:]HOST:PORT (UDP by default; [::1]:4739 for IPv6)")->group("outputs");
  app.add_option("--ipfix-template-s", o.ipfix_template_s, "IPFIX over UDP: seconds between template resends (0: only at start; TCP sends them once per connection)")
      ->check(CLI::Range(0.0, 86400.0))->group("outputs");
  app.add_option("--ipfix-mtu", o.ipfix_mtu, "IPFIX: largest message in bytes (over UDP the datagram's payload; default 1400)")
      ->check(CLI::Range(256u, 65507u))->group("outputs");
  app.add_option("--ipfix-domain", o.ipfix_domain, "IPFIX: observation domain id in every message header (default 1)")->group("outputs");
  app.add_option("--analyzer", o.analyzers, "also run a built-in analyzer: reporter, heavy-hitters (repeatable, or comma list)")
      ->delimiter(',')
      ->check(CLI::IsMember({"reporter", "heavy-hitters"}))->group("analyzers");
  app.add_option(kAnalyzerOptFlag, o.analyzer_opts,
                 "an analyzer's own option NAME.KEY=VALUE (repeatable), e.g. reporter.period=500ms or my_plugin.dst=10.0.0.9; "
                 "docs/ANALYZERS.md lists the built-ins' keys")
      ->allow_extra_args(false)
      ->group("analyzers");
  app.add_option("--report-period", o.report_period_s,
                 "reporter: seconds between summary frames sent on the transmit path (alias of --analyzer-opt reporter.period)")
      ->check(CLI::Range(0.001, 86400.0))->group("analyzers.reporter");
  app.add_option("--report-top", o.report_top, "reporter: top talkers per summary frame (alias of reporter.top)")->check(CLI::Range(0u, 16u))->group("analyzers.reporter");
  app.add_option("--report-transport", o.report_transport, "reporter: ethertype (raw Ethernet, default) or udp (IPv4/UDP broadcast) (alias of reporter.transport)")
      ->check(CLI::IsMember({"ethertype", "udp"}))->group("analyzers.reporter");
  app.add_option("--hh-window", o.hh_window_s, "heavy-hitters: seconds of packet time per top-K window (alias of heavy-hitters.window)")
      ->check(CLI::Range(0.001, 86400.0))->group("analyzers.heavy-hitters");
  app.add_option("--hh-k", o.hh_k, "heavy-hitters: entries per top-K list (alias of heavy-hitters.k)")->check(CLI::Range(1u, 1000u))->group("analyzers.heavy-hitters");
  app.add_option("--hh-out", o.hh_out, "heavy-hitters: JSON lines to FILE ('-': stdout, '': counters only) (alias of heavy-hitters.out)")->group("analyzers.heavy-hitters");
  app.add_option("--seq-check", o.seq_check_json,
                 "count loss, duplicates, reordering and latency of riptide gen's sequence-numbered traffic; JSON to FILE")->group("analyzers");
  app.add_option("--topology", o.topology, "workers (analyze on the capture threads) or dispatch (hand packets to --workers threads)")
      ->check(CLI::IsMember({"workers", "dispatch"}))->group("dispatch");
  app.add_option("--workers", e.dispatch.workers, "dispatch topology: analysis threads")->check(CLI::Range(1, 64))->group("dispatch");
  app.add_option("--worker-ring", e.dispatch.ring_slots, "dispatch topology: packets each worker queue holds (default: live, sized from --rate and --ring-ms; files 4096)")
      ->check(CLI::Range(16, 1 << 22))->group("dispatch");
  app.add_option("--plugin", o.plugins, "load an analyzer from a shared object: PATH.so or PATH.so:ARGS (repeatable)")
      ->allow_extra_args(false)->group("analyzers");
  app.add_option("--python", o.python, "run the riptide.Analyzer class of a Python file: FILE.py or FILE.py:ARGS (repeatable)")
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
  e.decode.decap = o.flow_key != "outer";
  Result<void> ok = analyzer_settings(o);
  // Checked before anything is opened: a refused combination creates no file.
  if (ok) ok = check_output_streams(o);
  if (ok && !o.kafka.empty()) {
    if (auto t = parse_kafka_target(o.kafka); !t) ok = t.error();
  }
  for (const auto& kv : o.kafka_opts)
    if (auto p = parse_kafka_option(kv); ok && !p) ok = p.error();
  if (ok && o.no_flows && !o.kafka.empty()) ok = Error{Errc::invalid_argument, "--kafka sends flow records: it needs the flow meter (drop --no-flows)"};
  if (ok && o.kafka.empty() && !o.kafka_opts.empty()) ok = Error{Errc::invalid_argument, "--kafka-opt needs --kafka BROKERS/TOPIC"};
  if (!ok) {
    std::fprintf(stderr, "riptide %s: %s (see 'riptide %s --help')\n", cmd, ok.error().message.c_str(), cmd);
    return false;
  }
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
  // SIGHUP reopens the -w file under its name (logrotate moved it away); the run goes on.
  struct sigaction sh {};
  sh.sa_handler = on_reopen_signal;
  sigemptyset(&sh.sa_mask);
  sh.sa_flags = SA_RESTART;
  sigaction(SIGHUP, &sh, nullptr);
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
