#pragma once
// IPFIX fuzz body, shared with the crasher replay test (tests/ipfix).
// 1. The input as one message, then as a run of messages cut by their own length fields,
//    through one Decoder (templates carry over, as at a collector). A refusal must say why in
//    one line; an accepted message must have the size its header says and yield exactly its
//    data records.
// 2. Flow records made from the input's bytes through MessageBuilder and back through a
//    fresh Decoder: every message within its size, and every field as the encoder promises.
// Returns false when a promise breaks; the fuzzer turns that into a crash.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

#include "riptide/ipfix/ipfix_decoder.hpp"
#include "riptide/ipfix/ipfix_encoder.hpp"

namespace riptide::fuzz {

inline bool ipfix_decode_checked(ipfix::Decoder& d, std::span<const std::uint8_t> msg) {
  std::vector<FlowRecord> out;
  auto r = d.decode(msg, out);
  if (!r) {
    const auto& m = r.error().message;
    return !m.empty() && m.find('\n') == std::string::npos && out.empty();
  }
  return r->header.length == msg.size() && r->data_records == out.size();
}

// Reads input bytes in order; zeros once they run out.
class ByteTake {
 public:
  ByteTake(const std::uint8_t* p, std::size_t n) : p_(p), n_(n) {}
  std::uint64_t take(std::size_t bytes) {
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < bytes; ++i) v = v << 8 | (pos_ < n_ ? p_[pos_++] : 0);
    return v;
  }
  bool done() const { return pos_ >= n_; }

 private:
  const std::uint8_t* p_;
  std::size_t n_;
  std::size_t pos_ = 0;
};

inline FlowRecord ipfix_record_from(ByteTake& t) {
  FlowRecord r;
  const auto sel = t.take(1);
  r.ip_version = (sel & 1) ? 6 : 4;
  std::uint8_t a[16];
  for (auto& b : a) b = static_cast<std::uint8_t>(t.take(1));
  r.src_ip = r.ip_version == 6 ? IpAddr::from_v6(a) : IpAddr::from_v4(a);
  r.dest_ip = r.ip_version == 6 ? IpAddr::from_v6(a + 0) : IpAddr::from_v4(a + 12);
  r.flow_id = t.take(8);
  r.src_port = static_cast<std::uint16_t>(t.take(2));
  r.dest_port = static_cast<std::uint16_t>(t.take(2));
  r.proto = static_cast<std::uint8_t>(t.take(1));
  r.vlan_count = static_cast<std::uint8_t>((sel >> 1) % 3);
  r.vlan_ids = {static_cast<std::uint16_t>(1 + t.take(2) % 4095), static_cast<std::uint16_t>(1 + t.take(2) % 4095)};
  r.toserver = {t.take(8), t.take(8), t.take(8), 0, 0, static_cast<std::uint8_t>(t.take(1)),
                static_cast<std::uint8_t>(t.take(1)), static_cast<std::uint8_t>(t.take(1))};
  r.toclient = {t.take(8), t.take(8), t.take(8), 0, 0, 0, 0, 0};
  r.start_ns = static_cast<TimestampNs>(t.take(8) >> 2);
  r.end_ns = static_cast<TimestampNs>(t.take(8) >> 2);
  r.reason = static_cast<FlowEndReason>(t.take(1) % kFlowEndReasonCount);
  return r;
}

// What the decoder must give back for r.
inline bool ipfix_same(const FlowRecord& r, const FlowRecord& b) {
  const TimestampNs start_ms = r.start_ns / 1'000'000;
  const TimestampNs end_ms = r.end_ns / 1'000'000 < start_ms ? start_ms : r.end_ns / 1'000'000;
  const bool icmp = r.proto == (r.ip_version == 6 ? 58 : 1);
  const FlowEndReason reason = r.reason == FlowEndReason::tcp_rst ? FlowEndReason::tcp_fin : r.reason;
  bool ok = b.flow_id == r.flow_id && b.ip_version == r.ip_version && b.src_ip == r.src_ip && b.dest_ip == r.dest_ip &&
            b.src_port == r.src_port && b.dest_port == r.dest_port && b.proto == r.proto && b.vlan_count == r.vlan_count &&
            b.toserver.pkts == r.toserver.pkts && b.toserver.bytes == r.toserver.bytes &&
            b.toserver.ip_bytes == r.toserver.ip_bytes && b.toserver.tcp_flags == r.toserver.tcp_flags &&
            b.toserver.icmp_type == (icmp ? r.toserver.icmp_type : 0) &&
            b.toserver.icmp_code == (icmp ? r.toserver.icmp_code : 0) && b.toclient.pkts == r.toclient.pkts &&
            b.toclient.bytes == r.toclient.bytes && b.toclient.ip_bytes == r.toclient.ip_bytes &&
            b.start_ns == start_ms * 1'000'000 && b.end_ns == end_ms * 1'000'000 && b.reason == reason;
  for (std::size_t i = 0; i < r.vlan_count; ++i) ok = ok && b.vlan_ids[i] == r.vlan_ids[i];
  return ok;
}

inline bool ipfix_round_trip(const std::uint8_t* data, std::size_t size) {
  ByteTake t(data, size);
  const std::size_t mtu = ipfix::kMinMessage + t.take(2) % 2000;
  ipfix::MessageBuilder b(static_cast<std::uint32_t>(t.take(4)), mtu);
  std::vector<FlowRecord> in;
  for (int i = 0; i < 40 && !t.done(); ++i) in.push_back(ipfix_record_from(t));
  std::vector<std::vector<std::uint8_t>> msgs;
  auto keep = [&](std::span<const std::uint8_t> m) { msgs.emplace_back(m.begin(), m.end()); };
  keep(b.templates(1));
  for (const auto& r : in) {
    if (b.add(r)) continue;
    keep(b.finish(1));
    b.clear();
    if (!b.add(r)) return false;
  }
  if (!b.empty()) keep(b.finish(1));
  ipfix::Decoder d;
  std::vector<FlowRecord> out;
  for (const auto& m : msgs) {
    if (m.size() > mtu || !d.decode(m, out)) return false;
  }
  if (out.size() != in.size() || d.sequence_failures() != 0) return false;
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (!ipfix_same(in[i], out[i])) return false;
  }
  return true;
}

inline bool ipfix_one(const std::uint8_t* data, std::size_t size) {
  ipfix::Decoder whole;
  if (!ipfix_decode_checked(whole, {data, size})) return false;
  ipfix::Decoder stream;
  std::size_t pos = 0;
  while (size - pos >= ipfix::kMessageHeaderLen) {
    std::size_t len = static_cast<std::size_t>(data[pos + 2] << 8 | data[pos + 3]);
    if (len < ipfix::kMessageHeaderLen || len > size - pos) len = size - pos;
    if (!ipfix_decode_checked(stream, {data + pos, len})) return false;
    pos += len;
  }
  return ipfix_round_trip(data, size);
}

}  // namespace riptide::fuzz
