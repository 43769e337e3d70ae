#include "riptide/gen/gen_cli.hpp"

#include <net/if.h>
#include <sched.h>
#include <signal.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include "riptide/file/pcap_writer.hpp"
#include "riptide/gen/frame_builder.hpp"
#include "riptide/gen/generator.hpp"
#include "riptide/gen/size_mix.hpp"
#include "riptide/transmit/tx_socket.hpp"

namespace riptide::gen {

namespace {

std::atomic<bool> g_stop{false};
extern "C" void on_signal(int) { g_stop.store(true); }

// Fixed origin for --pcap-out timestamps (2023-11-14T22:13:20Z), so that the same flags
// and seed always produce the same file.
constexpr std::int64_t kPcapEpochNs = 1'700'000'000LL * 1'000'000'000LL;

int usage_error(const std::string& msg) {
  std::string line = msg;
  for (char& c : line)
    if (c == '\n') c = ' ';
  std::fprintf(stderr, "riptide gen: %s\n", line.c_str());
  return 2;
}

bool parse_mac(const std::string& s, std::array<std::uint8_t, 6>& out) {
  unsigned v[6];
  char tail;
  if (std::sscanf(s.c_str(), "%x:%x:%x:%x:%x:%x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &tail) != 6)
    return false;
  for (int i = 0; i < 6; ++i) {
    if (v[i] > 255) return false;
    out[std::size_t(i)] = std::uint8_t(v[i]);
  }
  return true;
}

struct Flags {
  std::string iface, method = "sendmmsg", src_mac, dst_mac, pcap_out, imix_list, size_range;
  double rate = 0, duration = 0;
  bool max_rate = false, imix = false, ipv6 = false, json = false, random_flows = false;
  std::uint64_t count = 0, seed = 1;
  long long size = 60, flows = 1, vlan = -1, burst = 0, batch = 64, cpu = -1;
};

std::string json_escape(const std::string& in) {
  std::string out;
  for (char c : in) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) continue;  // control characters are dropped, not escaped
    out += c;
  }
  return out;
}

void print_report(const Flags& f, const GenReport& r, const std::string& target) {
  if (f.json) {
    std::printf(
        "{\"target\":\"%s\",\"method\":\"%s\",\"attempted\":%llu,\"sent\":%llu,\"failed\":%llu,"
        "\"retried\":%llu,\"bytes\":%llu,\"elapsed_s\":%.6f,\"pps\":%.1f,\"mbps\":%.3f}\n",
        json_escape(target).c_str(), f.pcap_out.empty() ? f.method.c_str() : "pcap", (unsigned long long)r.attempted,
        (unsigned long long)r.sent, (unsigned long long)r.failed, (unsigned long long)r.retried,
        (unsigned long long)r.bytes, r.elapsed_s, r.pps(), r.mbps());
  } else {
    std::printf("riptide gen: %s: sent %llu failed %llu retried %llu elapsed %.3f s %.0f pps %.2f Mbit/s\n",
                target.c_str(), (unsigned long long)r.sent, (unsigned long long)r.failed,
                (unsigned long long)r.retried, r.elapsed_s, r.pps(), r.mbps());
  }
  std::fflush(stdout);
}

// parse_only stops once the command line is known good, before anything is built, pinned,
// opened or sent: the CLI fuzzer drives it with arbitrary argv.
int gen_main(int argc, char** argv, bool parse_only) {
  Flags f;
  CLI::App app{"riptide gen: send paced UDP test traffic (or write it to a pcap file)", "riptide gen"};
  app.add_option("-i,--interface", f.iface, "interface to send on");
  auto* o_rate = app.add_option("--rate", f.rate, "frames per second");
  auto* o_max = app.add_flag("--max-rate", f.max_rate, "send as fast as possible");
  o_rate->excludes(o_max);
  app.add_option("--count", f.count, "stop after N frames");
  app.add_option("--duration", f.duration, "stop after SEC seconds");
  auto* o_size = app.add_option("--size", f.size, "frame bytes without FCS, 60..9000 (default 60)");
  auto* o_imix = app.add_flag("--imix", f.imix, "simple IMIX 7:4:1 of 60/590/1514 B");
  auto* o_list = app.add_option("--imix-list", f.imix_list, "custom mix SIZE[:WEIGHT],...");
  auto* o_range = app.add_option("--size-range", f.size_range, "uniform sizes LO-HI (uses --seed)");
  o_size->excludes(o_imix)->excludes(o_list)->excludes(o_range);
  o_imix->excludes(o_list)->excludes(o_range);
  o_list->excludes(o_range);
  app.add_option("--flows", f.flows, "distinct flows (source port / address), default 1");
  app.add_flag("--ipv6", f.ipv6, "IPv6 instead of IPv4");
  app.add_option("--vlan", f.vlan, "802.1Q VLAN id 0..4094");
  app.add_option("--burst", f.burst, "send N frames back to back per pacing step");
  app.add_option("--batch", f.batch, "frames per send syscall, 1..1024 (default 64)");
  app.add_option("--cpu", f.cpu, "pin to this CPU");
  app.add_option("--method", f.method, "sendmmsg (default) or tx_ring");
  app.add_option("--src-mac", f.src_mac, "source MAC aa:bb:cc:dd:ee:ff");
  app.add_option("--dst-mac", f.dst_mac, "destination MAC");
  app.add_option("--pcap-out", f.pcap_out, "write the frames to this pcap file instead of sending");
  app.add_option("--seed", f.seed, "seed for --size-range and --random-flows (default 1)");
  app.add_flag("--random-flows", f.random_flows, "pick each frame's flow at random (uses --seed)");
  app.add_flag("--json", f.json, "print the result as one JSON object");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::fputs(app.help().c_str(), stdout);
    return 0;
  } catch (const CLI::ParseError& e) {
    return usage_error(e.what());
  }

  const bool to_file = !f.pcap_out.empty();
  if (!to_file && f.iface.empty()) return usage_error("-i IFACE (or --pcap-out FILE) is required");
  if (to_file && !f.iface.empty()) return usage_error("-i and --pcap-out are exclusive");
  if (!to_file && !f.max_rate && app.count("--rate") == 0) return usage_error("give --rate PPS or --max-rate");
  if (app.count("--rate") && !(f.rate > 0 && f.rate <= 1e9))
    return usage_error("--rate must be > 0 and <= 1e9 frames/s, got " + std::to_string(f.rate));
  if (app.count("--duration") && !(f.duration > 0)) return usage_error("--duration must be > 0");
  if (app.count("--count") && f.count == 0) return usage_error("--count must be > 0");
  if (to_file && f.count == 0 && f.duration == 0) return usage_error("--pcap-out needs --count or --duration");
  if (f.flows < 1 || f.flows > FrameBuilder::kMaxFlows)
    return usage_error("--flows must be 1.." + std::to_string(FrameBuilder::kMaxFlows));
  if (app.count("--vlan") && (f.vlan < 0 || f.vlan > 4094)) return usage_error("--vlan must be 0..4094");
  if (app.count("--burst") && (f.burst < 1 || f.burst > 1'000'000)) return usage_error("--burst must be 1..1000000");
  if (f.batch < 1 || f.batch > 1024) return usage_error("--batch must be 1..1024");
  if (f.method != "sendmmsg" && f.method != "tx_ring")
    return usage_error("--method must be sendmmsg or tx_ring, got '" + f.method + "'");

  FrameSpec spec;
  spec.ipv6 = f.ipv6;
  spec.vlan = int(f.vlan);
  spec.flows = std::uint32_t(f.flows);
  if (!f.src_mac.empty() && !parse_mac(f.src_mac, spec.src_mac)) return usage_error("bad --src-mac '" + f.src_mac + "'");
  if (!f.dst_mac.empty() && !parse_mac(f.dst_mac, spec.dst_mac)) return usage_error("bad --dst-mac '" + f.dst_mac + "'");

  SizeMix sizes = SizeMix::fixed(60);
  if (f.imix) {
    sizes = SizeMix::imix();
  } else if (!f.imix_list.empty()) {
    auto m = SizeMix::parse_list(f.imix_list);
    if (!m) return usage_error("--imix-list: " + m.error().message);
    sizes = *m;
  } else if (!f.size_range.empty()) {
    unsigned lo = 0, hi = 0;
    char tail;
    if (std::sscanf(f.size_range.c_str(), "%u-%u%c", &lo, &hi, &tail) != 2 || lo > hi)
      return usage_error("bad --size-range '" + f.size_range + "' (want LO-HI)");
    sizes = SizeMix::uniform(lo, hi, f.seed);
  } else {
    if (f.size < 60 || f.size > 9000) return usage_error("--size must be 60..9000, got " + std::to_string(f.size));
    sizes = SizeMix::fixed(std::uint32_t(f.size));
  }
  if (sizes.min() < 60 || sizes.max() > 9000)
    return usage_error("frame sizes must be 60..9000, got " + std::to_string(sizes.min()) + ".." +
                       std::to_string(sizes.max()));

  if (parse_only) return -1;

  auto builder = FrameBuilder::create(spec);
  if (!builder) return usage_error(builder.error().message);
  GenOptions go;
  go.count = f.count;
  go.duration_s = f.duration;
  go.batch = std::uint32_t(f.batch);
  go.burst = std::uint32_t(f.burst);
  go.order = f.random_flows ? FlowOrder::random : FlowOrder::round_robin;
  go.seed = f.seed;
  // A file has no sender to pace: its timestamps follow --rate, or 1 Mpps by default.
  go.rate_pps = f.max_rate ? 0 : f.rate;
  if (to_file) {
    if (go.rate_pps == 0) go.rate_pps = 1e6;
    go.spread_timestamps = true;
  }
  auto gen = Generator::create(*builder, sizes, go);
  if (!gen) return usage_error(gen.error().message);

  if (f.cpu >= 0) {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (f.cpu >= CPU_SETSIZE) return usage_error("--cpu " + std::to_string(f.cpu) + " out of range");
    CPU_SET(int(f.cpu), &set);
    if (sched_setaffinity(0, sizeof set, &set) != 0)
      return usage_error("cannot pin to CPU " + std::to_string(f.cpu) + ": " + std::strerror(errno));
  }

  g_stop.store(false);
  struct sigaction sa {}, old_int{}, old_term{};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, &old_int);
  sigaction(SIGTERM, &sa, &old_term);
  struct Restore {
    struct sigaction a, b;
    ~Restore() {
      sigaction(SIGINT, &a, nullptr);
      sigaction(SIGTERM, &b, nullptr);
    }
  } restore{old_int, old_term};

  if (to_file) {
    auto w = PcapWriter::open(f.pcap_out, LinkType::ethernet, 65535, true);
    if (!w) return usage_error(w.error().message);
    PcapSink sink(**w);
    VirtualClock clock(kPcapEpochNs);
    GenReport r = gen->run(sink, clock, &g_stop);
    auto closed = (*w)->close();
    print_report(f, r, f.pcap_out);
    if (sink.error()) {
      std::fprintf(stderr, "riptide gen: %s\n", sink.error()->message.c_str());
      return 1;
    }
    if (!closed) {
      std::fprintf(stderr, "riptide gen: %s\n", closed.error().message.c_str());
      return 1;
    }
    return 0;
  }

  TxConfig tc;
  tc.method = f.method == "tx_ring" ? TxMethod::tx_ring : TxMethod::sendmmsg;
  tc.batch = std::uint32_t(f.batch);
  if (tc.method == TxMethod::tx_ring) {
    // Slots must hold the largest frame; the ring must hold at least a few batches.
    std::uint32_t need = sizes.max() + 64;
    tc.frame_size = std::max<std::uint32_t>(2048, (need + 15) / 16 * 16);
    tc.ring_frames = std::max<std::uint32_t>(4096, tc.batch * 4);
  }
  auto sock = TxSocket::open(f.iface, tc);
  if (!sock) return usage_error(sock.error().message);
  if (sizes.max() > sock->max_frame())
    return usage_error("frame size " + std::to_string(sizes.max()) + " exceeds what '" + f.iface +
                       "' sends (" + std::to_string(sock->max_frame()) + " bytes at its MTU)");
  TxSocketSink sink(*sock);
  MonotonicClock clock;
  GenReport r = gen->run(sink, clock, &g_stop);
  print_report(f, r, f.iface);
  return 0;
}

}  // namespace

int run_gen_cli(int argc, char** argv) { return gen_main(argc, argv, false); }
int check_gen_cli(int argc, char** argv) { return gen_main(argc, argv, true); }

}  // namespace riptide::gen
