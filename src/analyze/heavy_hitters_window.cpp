#include "heavy_hitters_window.hpp"

#include <cinttypes>
#include <cstdio>
#include <vector>

#include "riptide/decode/ip_addr.hpp"

namespace riptide::hh {
namespace {

void append_ip(std::string& s, const IpAddr& a) {
  char tmp[kIpTextMax];
  s += '"';
  s += to_chars(a, tmp);
  s += '"';
}

void append_u64(std::string& s, std::uint64_t v) {
  char tmp[24];
  std::snprintf(tmp, sizeof tmp, "%" PRIu64, v);
  s += tmp;
}

void append_top(std::string& s, const char* name, std::span<const Window::Addrs* const> parts, std::uint32_t k) {
  std::vector<Window::Addrs::Entry> top(k);
  const std::size_t n = merged_top<Window::Addrs>(parts, top);
  s += ",\"";
  s += name;
  s += "\":[";
  for (std::size_t i = 0; i < n; ++i) {
    if (i) s += ',';
    s += "{\"ip\":";
    append_ip(s, top[i].key);
    s += ",\"bytes\":";
    append_u64(s, top[i].count);
    s += ",\"error_bound\":";
    append_u64(s, top[i].error);
    s += '}';
  }
  s += ']';
}

void append_top_ports(std::string& s, const CountMin& cm, std::uint32_t k) {
  struct PortBytes {
    std::uint16_t port;
    std::uint64_t bytes;
  };
  std::vector<PortBytes> top;
  top.reserve(k);
  for (std::uint32_t p = 0; p <= 0xffff; ++p) {
    const std::uint64_t b = cm.estimate(port_hash(static_cast<std::uint16_t>(p)));
    if (b == 0 || (top.size() == k && b <= top.back().bytes)) continue;
    if (top.size() < k) top.push_back({});
    std::size_t j = top.size() - 1;
    for (; j > 0 && top[j - 1].bytes < b; --j) top[j] = top[j - 1];
    top[j] = {static_cast<std::uint16_t>(p), b};
  }
  s += ",\"top_k_dst_port\":[";
  for (std::size_t i = 0; i < top.size(); ++i) {
    if (i) s += ',';
    s += "{\"port\":";
    append_u64(s, top[i].port);
    s += ",\"bytes\":";
    append_u64(s, top[i].bytes);
    s += '}';
  }
  s += ']';
}

void append_entropy(std::string& s, const char* name, const Window::Histogram& h, bool first) {
  char tmp[64];
  std::snprintf(tmp, sizeof tmp, "%s\"%s\":%.6f", first ? "" : ",", name, shannon_entropy_bits(h));
  s += tmp;
}

}  // namespace

void Window::clear() noexcept {
  src.clear();
  dst.clear();
  h_src.fill(0);
  h_dst.fill(0);
  h_sport.fill(0);
  h_dport.fill(0);
  dport_bytes.clear();
  packets = bytes = ip_packets = 0;
  start = end = 0;
}

void Window::merge(const Window& o) noexcept {
  for (std::size_t i = 0; i < kBuckets; ++i) {
    h_src[i] += o.h_src[i];
    h_dst[i] += o.h_dst[i];
    h_sport[i] += o.h_sport[i];
    h_dport[i] += o.h_dport[i];
  }
  // Both come from one HeavyHittersConfig: the same shape, so this cannot fail.
  (void)dport_bytes.merge(o.dport_bytes);
  packets += o.packets;
  bytes += o.bytes;
  ip_packets += o.ip_packets;
}

std::string merge_and_format(std::span<Window* const> parts, std::uint32_t k, TimestampNs start, TimestampNs end) {
  Window* w = nullptr;
  std::vector<const Window::Addrs*> src, dst;
  src.reserve(parts.size());
  dst.reserve(parts.size());
  std::uint64_t threads = 0;
  for (Window* p : parts) {
    if (p == nullptr || p->packets == 0) continue;
    ++threads;
    src.push_back(&p->src);
    dst.push_back(&p->dst);
    if (w == nullptr) w = p;
    else w->merge(*p);
  }
  if (w == nullptr) return {};
  std::string s;
  s.reserve(256 + static_cast<std::size_t>(k) * 200);
  s += "{\"event_type\":\"heavy_hitters\",\"threads\":";
  append_u64(s, threads);
  s += ",\"window_start_ns\":";
  s += std::to_string(start);
  s += ",\"window_end_ns\":";
  s += std::to_string(end);
  s += ",\"packets\":";
  append_u64(s, w->packets);
  s += ",\"bytes\":";
  append_u64(s, w->bytes);
  s += ",\"ip_packets\":";
  append_u64(s, w->ip_packets);
  s += ",\"k\":";
  append_u64(s, k);
  append_top(s, "top_k_src", src, k);
  append_top(s, "top_k_dst", dst, k);
  append_top_ports(s, w->dport_bytes, k);
  s += ",\"entropy\":{";
  append_entropy(s, "src_ip", w->h_src, true);
  append_entropy(s, "dst_ip", w->h_dst, false);
  append_entropy(s, "src_port", w->h_sport, false);
  append_entropy(s, "dst_port", w->h_dport, false);
  s += "}}";
  return s;
}

}  // namespace riptide::hh
