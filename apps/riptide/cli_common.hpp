#pragma once
// Options shared by the subcommands that run the engine (read, capture), and the code that
// turns them into an engine run with its report.
#include <CLI/CLI.hpp>
#include <optional>
#include <string>
#include <vector>

#include "riptide/engine/engine_config.hpp"
#include "riptide/engine/privileges.hpp"
#include "riptide/flow/flow_meter.hpp"
#include "write_options.hpp"

namespace riptide::app {

struct RunOptions {
  EngineConfig engine;
  std::string flows_json;             // --flows-json
  bool eve_extensions = false;        // --eve-extensions: riptide's own fields in a "riptide" object
  std::string flow_key = "inner";     // --flow-key: innermost IP header (through tunnels) or outer
  std::string kafka;                  // --kafka BROKERS/TOPIC
  std::vector<std::string> kafka_opts;  // --kafka-opt KEY=VALUE, passed to librdkafka
  double flow_idle_s = 60, flow_active_s = 1800;
  std::uint32_t max_flows = 1u << 20;
  std::string topology = "workers";
  std::vector<std::string> filter_words;  // trailing expression, tcpdump style
  bool no_resolve = false;                // -n: accepted for tcpdump habits; riptide never resolves names
  std::vector<std::string> plugins;       // --plugin path.so[:args], in order
  std::vector<std::string> python;        // --python FILE.py[:args], after the plugins
  double flow_closed_s = 10;
  // --analyzer: built-in analyzers besides the flow meter, in order ("reporter", "heavy-hitters").
  std::vector<std::string> analyzers;
  bool no_flows = false;                  // --no-flows: no flow meter (a plugin-only run)
  double report_period_s = 1;             // reporter
  std::uint32_t report_top = 5;
  std::string report_transport = "ethertype";
  double hh_window_s = 10;                // heavy-hitters
  std::uint32_t hh_k = 10;
  std::string hh_out = "-";
  // --analyzer-opt NAME.KEY=VALUE (the config file's analyzers.NAME.KEY first): into engine.analyzer_options.
  std::vector<std::string> analyzer_opts;
  std::string seq_check_json;             // --seq-check: the seq_check analyzer's JSON summary
  std::optional<RunAsUser> run_as;        // capture -Z: become this user once everything is open
  std::string ipfix;                      // --ipfix HOST:PORT: flow records to an IPFIX collector (UDP)
  double ipfix_template_s = 60;           // --ipfix-template-s
  std::uint32_t ipfix_mtu = 1400;         // --ipfix-mtu: bytes per message (UDP payload)
  std::uint32_t ipfix_domain = 1;         // --ipfix-domain: observation domain id
  WriteCli write;                         // -w and its options (write_options.hpp)
  FlowsRotateCli flows_rotate;            // --flows-rotate-mb/-s, --flows-files (write_options.hpp)
  RotationPolicy flows_rotation;          // filled from flows_rotate
};

// Adds -w -s -c -n -q --flows-json --stats-json --topology --workers --analyzer --plugin
// --offload-* --tx-* ... and the trailing filter.
void add_run_options(CLI::App& app, RunOptions& o);

// Checks values CLI11 cannot (ranges, combinations); fills o.engine. One-line error on failure.
bool finish_run_options(const char* cmd, RunOptions& o);

// Builds the analyzers, runs the engine with signal handling, prints banner and report.
// Returns the process exit status.
int run_engine(const char* cmd, RunOptions& o);

// Parses argv with CLI11; prints help (exit 0) or one error line (exit 2). -1: go on.
int parse_or_exit(CLI::App& app, const char* cmd, int argc, char** argv);

}  // namespace riptide::app
