#include "config.hpp"

#include <set>

namespace py = pybind11;

namespace riptide::py {

namespace {

template <class T>
T get(const ::py::dict& kw, const char* key, T dflt) {
  if (!kw.contains(key) || kw[key].is_none()) return dflt;
  try {
    return kw[key].cast<T>();
  } catch (const ::py::cast_error&) {
    throw ConfigError(std::string(key) + ": wrong type");
  }
}

template <class T>
T ranged(const ::py::dict& kw, const char* key, T dflt, T lo, T hi) {
  const T v = get<T>(kw, key, dflt);
  if (v < lo || v > hi)
    throw ConfigError(std::string(key) + ": " + std::to_string(v) + " is outside [" + std::to_string(lo) + ", " +
                      std::to_string(hi) + "]");
  return v;
}

const std::set<std::string> kKeys = {
    "file", "iface", "backend", "filter", "threads", "count", "duration", "snaplen", "direction",
    "block_timeout_ms", "rate", "ring_ms", "topology", "workers", "batch_size", "queue", "packets",
    "max_delay", "flows", "flows_path", "flow_array", "flow_array_max", "eve_extensions", "stats_json", "tx",
    "offload_threads", "name", "batches", "quiet", "watchdog_ms", "wait_when_full", "max_packet_delay_ms", "promisc",
    "flow_key"};

}  // namespace

SessionConfig parse_config(const ::py::dict& kw) {
  for (const auto& item : kw) {
    const auto k = item.first.cast<std::string>();
    if (!kKeys.count(k)) throw ConfigError("unknown option '" + k + "'");
  }
  SessionConfig c;
  auto& e = c.engine;
  const auto file = get<std::string>(kw, "file", "");
  const auto iface = get<std::string>(kw, "iface", "");
  if (file.empty() == iface.empty()) throw ConfigError("give a file to read or an interface to capture on");
  const bool live = !iface.empty();
  if (!live) {
    e.backend = Backend::file;
    e.read_file = file;
  } else {
    const auto backend = get<std::string>(kw, "backend", "afpacket");
    if (backend != "afpacket" && backend != "pcap") throw ConfigError("backend: afpacket or pcap, not '" + backend + "'");
    e.backend = backend == "pcap" ? Backend::pcap : Backend::afpacket;
    e.capture.iface = iface;
    e.capture_threads = ranged<unsigned>(kw, "threads", 1, 1, 64);
    if (e.capture_threads > 1) e.capture.fanout = FanoutConfig{};
    const auto dir = get<std::string>(kw, "direction", "inout");
    if (dir != "in" && dir != "out" && dir != "inout") throw ConfigError("direction: in, out or inout, not '" + dir + "'");
    e.capture.direction = dir == "in" ? CaptureDirection::in : dir == "out" ? CaptureDirection::out : CaptureDirection::inout;
    if (kw.contains("block_timeout_ms") && !kw["block_timeout_ms"].is_none()) {
      e.capture.block_timeout_ms = ranged<std::uint32_t>(kw, "block_timeout_ms", 10, 1, 1000);
      e.block_timeout_set = true;
    }
    e.capture.expected_pps = ranged<std::uint64_t>(kw, "rate", e.capture.expected_pps, 1000, 100'000'000);
    e.capture.ring_ms = ranged<std::uint32_t>(kw, "ring_ms", e.capture.ring_ms, 1, 60000);
    e.capture.promisc = get<bool>(kw, "promisc", true);
    if (!get<bool>(kw, "tx", true)) e.tx.disabled = true;
  }
  e.capture.snaplen = ranged<std::uint32_t>(kw, "snaplen", e.capture.snaplen, 64, 262144);
  e.filter = get<std::string>(kw, "filter", "");
  e.max_packets = get<std::uint64_t>(kw, "count", 0);
  e.duration_s = ranged<double>(kw, "duration", 0, 0, 1e9);
  const auto key = get<std::string>(kw, "flow_key", "inner");
  if (key != "inner" && key != "outer") throw ConfigError("flow_key: inner or outer, not '" + key + "'");
  e.decode.decap = key == "inner";
  const auto topo = get<std::string>(kw, "topology", "workers");
  if (topo != "workers" && topo != "dispatch") throw ConfigError("topology: workers or dispatch, not '" + topo + "'");
  e.topology = topo == "dispatch" ? Topology::dispatch : Topology::workers;
  e.dispatch.workers = ranged<int>(kw, "workers", e.dispatch.workers, 1, 64);
  e.stats_json_path = get<std::string>(kw, "stats_json", "");
  e.offload.threads = ranged<unsigned>(kw, "offload_threads", e.offload.threads, 0, 256);
  e.quiet = get<bool>(kw, "quiet", true);
  // Files wait for Python, so an analyzer "stuck" in a wait is not news; live the watchdog stays.
  e.watchdog_ms = ranged<std::uint32_t>(kw, "watchdog_ms", live ? e.watchdog_ms : 0, 0, 3'600'000);

  auto& f = c.feed;
  c.feed_enabled = get<bool>(kw, "batches", true);
  f.name = get<std::string>(kw, "name", "python");
  f.batch_packets = ranged<std::size_t>(kw, "batch_size", 4096, 1, 1u << 22);
  f.slots = ranged<std::size_t>(kw, "queue", 32, 2, 1u << 16);
  f.with_bytes = get<bool>(kw, "packets", false);
  f.wait_when_full = get<bool>(kw, "wait_when_full", !live);
  f.max_delay_ns = static_cast<std::int64_t>(ranged<double>(kw, "max_delay", 0.02, 0.0001, 60) * 1e9);
  f.max_packet_delay = std::chrono::milliseconds(ranged<int>(kw, "max_packet_delay_ms", 10, 1, 1000));

  c.flows = get<bool>(kw, "flows", false);
  c.flows_path = get<std::string>(kw, "flows_path", "");
  c.eve_extensions = get<bool>(kw, "eve_extensions", false);
  c.flow_array = get<bool>(kw, "flow_array", true);
  c.flow_array_max = ranged<std::size_t>(kw, "flow_array_max", c.flow_array_max, 1, std::size_t{1} << 32);
  c.flow.max_flows = 1u << 20;  // as the riptide command
  return c;
}

}  // namespace riptide::py
