#include <algorithm>
#include <cstring>

#include "ipfix/be.hpp"
#include "riptide/ipfix/ipfix_encoder.hpp"

namespace riptide::ipfix {

using detail::put16;
using detail::put32;
using detail::put64;

static_assert(kMessageHeaderLen + kSetHeaderLen + template_record_length(false) + template_record_length(true) <= kMinMessage,
              "the template message must fit the smallest message");
static_assert(kMessageHeaderLen + kSetHeaderLen + record_length(true) <= kMinMessage);

namespace {

std::uint64_t to_ms(TimestampNs ns) noexcept { return ns <= 0 ? 0 : static_cast<std::uint64_t>(ns / 1'000'000); }

}  // namespace

std::uint8_t end_reason_code(FlowEndReason r) noexcept {
  switch (r) {
    case FlowEndReason::idle_timeout: return 1;
    case FlowEndReason::active_timeout: return 2;
    case FlowEndReason::tcp_fin:
    case FlowEndReason::tcp_rst: return 3;
    case FlowEndReason::end_of_input: return 4;
    case FlowEndReason::evicted: return 5;
    case FlowEndReason::count_: break;
  }
  return 4;
}

FlowEndReason end_reason_from_code(std::uint8_t code) noexcept {
  switch (code) {
    case 1: return FlowEndReason::idle_timeout;
    case 2: return FlowEndReason::active_timeout;
    case 3: return FlowEndReason::tcp_fin;
    case 5: return FlowEndReason::evicted;
    default: return FlowEndReason::end_of_input;
  }
}

MessageBuilder::MessageBuilder(std::uint32_t domain_id, std::size_t max_message)
    : domain_id_(domain_id), max_(std::clamp(max_message, kMinMessage, kMaxMessage)), buf_(max_), tmpl_buf_(max_) {}

void MessageBuilder::encode_record(const FlowRecord& r, bool v6, std::uint8_t* p) noexcept {
  put64(p, r.flow_id), p += 8;
  const std::size_t alen = v6 ? 16 : 4;
  const std::size_t aoff = v6 ? 0 : 12;  // IPv4 sits in the last 4 bytes (IPv4-mapped)
  std::memcpy(p, r.src_ip.b.data() + aoff, alen), p += alen;
  std::memcpy(p, r.dest_ip.b.data() + aoff, alen), p += alen;
  put16(p, r.src_port), p += 2;
  put16(p, r.dest_port), p += 2;
  *p++ = r.proto;
  *p++ = r.toserver.tcp_flags;
  const bool icmp = r.proto == (v6 ? 58 : 1);
  put16(p, icmp ? static_cast<std::uint16_t>(r.toserver.icmp_type << 8 | r.toserver.icmp_code) : 0), p += 2;
  put16(p, r.vlan_count > 0 ? r.vlan_ids[0] : 0), p += 2;
  put16(p, r.vlan_count > 1 ? r.vlan_ids[1] : 0), p += 2;
  const std::uint64_t start = to_ms(r.start_ns);
  put64(p, start), p += 8;
  put64(p, std::max(start, to_ms(r.end_ns))), p += 8;  // never an end before the start
  put64(p, r.toserver.pkts), p += 8;
  put64(p, r.toserver.ip_bytes), p += 8;
  put64(p, r.toserver.bytes), p += 8;
  put64(p, r.toclient.pkts), p += 8;
  put64(p, r.toclient.ip_bytes), p += 8;
  put64(p, r.toclient.bytes), p += 8;
  *p++ = end_reason_code(r.reason);
  *p = 1;  // biflowDirection "initiator": the source is the client
}

void MessageBuilder::close_set() noexcept {
  if (set_start_ == 0) return;
  put16(buf_.data() + set_start_ + 2, static_cast<std::uint16_t>(len_ - set_start_));
  set_start_ = 0;
}

bool MessageBuilder::add(const FlowRecord& r) noexcept {
  const bool v6 = r.ip_version == 6;
  const std::uint16_t id = v6 ? kTemplateV6 : kTemplateV4;
  const std::size_t rec = record_length(v6);
  const bool new_set = set_start_ == 0 || set_id_ != id;
  if (len_ + (new_set ? kSetHeaderLen : 0) + rec > max_) return false;
  if (new_set) {
    close_set();
    set_start_ = len_;
    set_id_ = id;
    put16(buf_.data() + len_, id);
    len_ += kSetHeaderLen;
  }
  encode_record(r, v6, buf_.data() + len_);
  len_ += rec;
  ++records_;
  return true;
}

void MessageBuilder::header(std::uint8_t* p, std::size_t len, std::uint32_t export_time_s) const noexcept {
  put16(p, kVersion);
  put16(p + 2, static_cast<std::uint16_t>(len));
  put32(p + 4, export_time_s);
  put32(p + 8, sequence_);
  put32(p + 12, domain_id_);
}

std::span<const std::uint8_t> MessageBuilder::finish(std::uint32_t export_time_s) noexcept {
  close_set();
  header(buf_.data(), len_, export_time_s);
  sequence_ += static_cast<std::uint32_t>(records_);  // wraps mod 2^32 as the RFC says
  const std::size_t n = len_;
  len_ = kMessageHeaderLen;
  records_ = 0;
  return {buf_.data(), n};
}

void MessageBuilder::clear() noexcept {
  len_ = kMessageHeaderLen;
  set_start_ = 0;
  records_ = 0;
}

std::span<const std::uint8_t> MessageBuilder::templates(std::uint32_t export_time_s) noexcept {
  std::uint8_t* const b = tmpl_buf_.data();
  std::size_t n = kMessageHeaderLen + kSetHeaderLen;
  for (const bool v6 : {false, true}) {
    const auto fields = template_fields(v6);
    put16(b + n, v6 ? kTemplateV6 : kTemplateV4);
    put16(b + n + 2, static_cast<std::uint16_t>(fields.size()));
    n += 4;
    for (const auto& f : fields) {
      put16(b + n, static_cast<std::uint16_t>(f.id | (f.enterprise ? 0x8000 : 0)));
      put16(b + n + 2, f.length);
      n += 4;
      if (f.enterprise) put32(b + n, f.enterprise), n += 4;
    }
  }
  put16(b + kMessageHeaderLen, kTemplateSetId);
  put16(b + kMessageHeaderLen + 2, static_cast<std::uint16_t>(n - kMessageHeaderLen));
  header(b, n, export_time_s);
  return {b, n};
}

}  // namespace riptide::ipfix
