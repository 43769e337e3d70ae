// Decoder cost in ns/packet by packet shape, plus a mixed real capture.
// Run: build/bench/bench_decoder --benchmark_min_time=0.5
#include <benchmark/benchmark.h>
#include <pcap/pcap.h>

#include <cstdint>
#include <cstdlib>
#include <initializer_list>
#include <string>
#include <vector>

#include "riptide/decode/decoder.hpp"

namespace {

using riptide::DecodeStats;
using riptide::LinkType;
using riptide::PacketMeta;
using riptide::PacketView;
using Bytes = std::vector<std::uint8_t>;

// Headers with the fields the decoder reads; checksums are irrelevant here.
void append(Bytes& b, std::initializer_list<int> v) {
  for (int x : v) b.push_back(static_cast<std::uint8_t>(x));
}
void eth(Bytes& b, int type) { append(b, {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, type >> 8, type & 0xff}); }
void vlan(Bytes& b, int vid, int type) { append(b, {vid >> 8, vid & 0xff, type >> 8, type & 0xff}); }
void ipv4(Bytes& b, int proto, int l4_len) {
  const int total = 20 + l4_len;
  append(b, {0x45, 0, total >> 8, total & 0xff, 0, 1, 0x40, 0, 64, proto, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2});
}
void ipv6(Bytes& b, int nh, int payload) {
  append(b, {0x60, 0, 0, 0, payload >> 8, payload & 0xff, nh, 64});
  for (int i = 0; i < 32; ++i) b.push_back(static_cast<std::uint8_t>(i == 15 || i == 31 ? i : 0x20));
}
void ext6(Bytes& b, int nh) { append(b, {nh, 0, 1, 4, 0, 0, 0, 0}); }
void tcp(Bytes& b) { append(b, {0xc0, 0x01, 0, 80, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x10, 0xff, 0xff, 0, 0, 0, 0}); }
void udp(Bytes& b, int len) { append(b, {0x13, 0x88, 0, 53, len >> 8, len & 0xff, 0, 0}); }
void fill(Bytes& b, std::size_t n) { b.insert(b.end(), n, 0xab); }

Bytes eth_ipv4_tcp() {
  Bytes b;
  eth(b, 0x0800);
  ipv4(b, 6, 20 + 100);
  tcp(b);
  fill(b, 100);
  return b;
}
Bytes eth_ipv4_udp() {
  Bytes b;
  eth(b, 0x0800);
  ipv4(b, 17, 8 + 100);
  udp(b, 108);
  fill(b, 100);
  return b;
}
Bytes eth_vlan_ipv6_udp() {
  Bytes b;
  eth(b, 0x8100);
  vlan(b, 100, 0x86dd);
  ipv6(b, 17, 108);
  udp(b, 108);
  fill(b, 100);
  return b;
}
Bytes eth_ipv6_two_ext_tcp() {
  Bytes b;
  eth(b, 0x86dd);
  ipv6(b, 0, 8 + 8 + 20 + 100);
  ext6(b, 60);
  ext6(b, 6);
  tcp(b);
  fill(b, 100);
  return b;
}
Bytes eth_arp() {
  Bytes b;
  eth(b, 0x0806);
  append(b, {0, 1, 8, 0, 6, 4, 0, 1, 2, 0, 0, 0, 0, 1, 10, 0, 0, 1, 0, 0, 0, 0, 0, 0, 10, 0, 0, 2});
  fill(b, 18);
  return b;
}

void run(benchmark::State& state, const Bytes& frame, std::uint32_t caplen) {
  PacketView v;
  v.data = frame.data();
  v.caplen = caplen;
  v.wirelen = static_cast<std::uint32_t>(frame.size());
  v.link = LinkType::ethernet;
  PacketMeta m;
  DecodeStats st;
  for (auto _ : state) {
    benchmark::DoNotOptimize(riptide::decode(v, m, st));
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  if (st.packets != st.decoded_ok + st.total_errors()) state.SkipWithError("counters do not add up");
}

void full(benchmark::State& state, Bytes (*make)()) {
  const Bytes f = make();
  run(state, f, static_cast<std::uint32_t>(f.size()));
}

void BM_eth_ipv4_tcp(benchmark::State& s) { full(s, eth_ipv4_tcp); }
void BM_eth_ipv4_udp(benchmark::State& s) { full(s, eth_ipv4_udp); }
void BM_eth_vlan_ipv6_udp(benchmark::State& s) { full(s, eth_vlan_ipv6_udp); }
void BM_eth_ipv6_2ext_tcp(benchmark::State& s) { full(s, eth_ipv6_two_ext_tcp); }
void BM_eth_arp(benchmark::State& s) { full(s, eth_arp); }
// Snaplen 40 cuts the TCP header after the ports: the error path.
void BM_eth_ipv4_tcp_truncated(benchmark::State& s) {
  const Bytes f = eth_ipv4_tcp();
  run(s, f, 40);
}

// The captures kept in the repository (tests/data/pcaps); RIPTIDE_PCAP_DIR in the environment
// points at another copy.
std::string mixed_capture_path() {
  const char* dir = std::getenv("RIPTIDE_PCAP_DIR");
  return std::string(dir != nullptr ? dir : RIPTIDE_PCAP_DIR) + "/pcap_examples/many-protocols.pcap";
}

// Every packet of a real mixed capture, in order, held in memory.
void BM_capture_mix(benchmark::State& state) {
  const std::string path = mixed_capture_path();
  char err[PCAP_ERRBUF_SIZE];
  pcap_t* p = pcap_open_offline(path.c_str(), err);
  if (p == nullptr) {
    state.SkipWithError(err);
    return;
  }
  std::vector<Bytes> frames;
  std::vector<PacketView> views;
  pcap_pkthdr* h = nullptr;
  const u_char* data = nullptr;
  while (pcap_next_ex(p, &h, &data) == 1) frames.emplace_back(data, data + h->caplen);
  for (const Bytes& f : frames) {
    PacketView v;
    v.data = f.data();
    v.caplen = v.wirelen = static_cast<std::uint32_t>(f.size());
    v.link = static_cast<LinkType>(pcap_datalink(p));
    views.push_back(v);
  }
  pcap_close(p);
  PacketMeta m;
  DecodeStats st;
  for (auto _ : state) {
    for (const PacketView& v : views) benchmark::DoNotOptimize(riptide::decode(v, m, st));
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * views.size()));
  state.counters["ns_per_packet"] = benchmark::Counter(
      static_cast<double>(state.iterations() * views.size()), benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

// The first packet (an inner TCP SYN) of each generated encapsulation capture
// (tests/data/encap, next to the pcap corpus): the cost of each tunnel.
void BM_encap(benchmark::State& state, const std::string& name) {
  const char* dir = std::getenv("RIPTIDE_PCAP_DIR");
  const std::string path = std::string(dir != nullptr ? dir : RIPTIDE_PCAP_DIR) + "/../../encap/" + name + ".pcap";
  char err[PCAP_ERRBUF_SIZE];
  pcap_t* p = pcap_open_offline(path.c_str(), err);
  if (p == nullptr) {
    state.SkipWithError(err);
    return;
  }
  pcap_pkthdr* h = nullptr;
  const u_char* data = nullptr;
  Bytes frame;
  if (pcap_next_ex(p, &h, &data) == 1) frame.assign(data, data + h->caplen);
  PacketView v;
  v.data = frame.data();
  v.caplen = v.wirelen = static_cast<std::uint32_t>(frame.size());
  v.link = static_cast<LinkType>(pcap_datalink(p));
  pcap_close(p);
  PacketMeta m;
  DecodeStats st;
  for (auto _ : state) {
    benchmark::DoNotOptimize(riptide::decode(v, m, st));
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  if (st.decoded_ok != st.packets) state.SkipWithError("the capture's packet did not decode cleanly");
}

const bool kEncapRegistered = [] {
  for (const char* name : {"pppoe_session", "mpls_stack", "ipip_4in4", "ipip_6in6", "gre_ip", "gre_teb", "vxlan",
                           "geneve", "gtpu", "cisco_hdlc"})
    benchmark::RegisterBenchmark((std::string("BM_encap/") + name).c_str(), BM_encap, std::string(name));
  return true;
}();

}  // namespace

BENCHMARK(BM_eth_ipv4_tcp);
BENCHMARK(BM_eth_ipv4_udp);
BENCHMARK(BM_eth_vlan_ipv6_udp);
BENCHMARK(BM_eth_ipv6_2ext_tcp);
BENCHMARK(BM_eth_arp);
BENCHMARK(BM_eth_ipv4_tcp_truncated);
BENCHMARK(BM_capture_mix);

BENCHMARK_MAIN();
