#pragma once
// Everything a run of the engine needs, filled by the CLI (or a program embedding riptide).
#include <cstdint>
#include <string>
#include <vector>

#include "riptide/analyze/analyzer.hpp"
#include "riptide/analyze/offload_pool.hpp"
#include "riptide/capture/afpacket_config.hpp"
#include "riptide/decode/decoder.hpp"
#include "riptide/dispatch/dispatcher.hpp"
#include "riptide/file/packet_writer.hpp"
#include "riptide/transmit/tx_socket.hpp"

namespace riptide {

enum class Backend : std::uint8_t { afpacket, pcap, file };

// The transmit path analyzers use through AnalyzerContext::send(): one TxQueue drained by one
// TxThread on its own send-only socket, whose frames carry kRiptideTxMark so no capture
// socket of ours admits them (AfPacketConfig::reject_own_tx).
struct TxOptions {
  // "" on a live run: the capture interface. On a file: no transmit path unless set.
  std::string iface;
  bool disabled = false;       // no transmit path even live (send() refuses, counted)
  std::size_t queue = 1024;    // frames waiting for the transmit thread
  TxConfig socket;
};

// Which threads run the analyzers.
enum class Topology : std::uint8_t {
  workers,   // each capture thread decodes and analyzes its own packets (fanout gives flow affinity)
  dispatch,  // one capture thread decodes and hands packets to N worker threads (flow-affine)
};

struct EngineConfig {
  Backend backend = Backend::afpacket;
  std::string read_file;          // Backend::file
  AfPacketConfig capture;         // live backends: iface, snaplen, ring sizing, fanout mode...
  // capture.block_timeout_ms was chosen by the user (--block-timeout). Otherwise the engine
  // sets it from the analyzers: see choose_block_timeout().
  bool block_timeout_set = false;
  unsigned capture_threads = 1;   // live afpacket: sockets in one fanout group
  Topology topology = Topology::workers;
  DispatcherConfig dispatch;      // Topology::dispatch: workers, ring slots, slot bytes
  // Live dispatch: replace dispatch.ring_slots by plan_worker_queues() of capture.expected_pps
  // and capture.ring_ms, so a worker queue rides out the stall the kernel ring does. The CLI
  // sets it unless --worker-ring is given; files never drop at a queue, so never plan.
  bool plan_worker_ring = false;
  // CPUs, in order: capture threads first, then dispatch workers. Empty: no pinning.
  std::vector<int> cpus;

  std::string filter;             // tcpdump syntax; in the kernel live, in user space for files
  // What a flow is keyed on: decode.decap false (--flow-key outer) stops at the outermost IP
  // header, so a tunnel is metered as its transport.
  DecodeOptions decode;
  std::uint64_t max_packets = 0;  // -c: stop after this many packets (0: no limit)
  double duration_s = 0;          // stop after this long (0: no limit)
  std::string write_path;         // -w: pcap output ("" none, "-" stdout)
  // -w's file: format (pcap, or pcapng by the name or --format), pcap's timestamp precision,
  // rotation (-C/-G/-W); its snaplen is capture.snaplen (a file read: the input's).
  PacketWriterOptions write;
  bool write_flush_each = false;           // -U: flush after every batch the output thread takes
  std::size_t write_queue_bytes = 8u << 20;  // -w queue per capture thread (live: full = counted drops)
  bool exit_on_iface_loss = false;

  bool quiet = false;                   // -q: no live status line
  // An analyzer inside one call for longer than this is named on stderr (0: no watchdog).
  std::uint32_t watchdog_ms = 5000;
  std::uint32_t status_interval_ms = 1000;
  OffloadConfig offload;          // the compute pool behind AnalyzerContext::offload()
  TxOptions tx;
  AnalyzerLimits analyzer_limits;
  // --analyzer-opt NAME.KEY=VALUE and the config file's analyzers.NAME.KEY, in order (a key
  // given twice keeps the last): checked against each factory's options() in Engine::create.
  std::vector<OptionSetting> analyzer_options;

  // --metrics-listen: serve the Prometheus text format at http://ADDR:PORT/metrics ("" off).
  // "PORT" alone listens on 127.0.0.1; any other address must be written out.
  std::string metrics_listen;

  std::string stats_json_path;          // --stats-json: figures every interval and at exit
  std::uint32_t stats_json_interval_s = 0;  // 0: only at exit
};

std::string_view to_string(Backend b) noexcept;
std::string_view to_string(Topology t) noexcept;

}  // namespace riptide
