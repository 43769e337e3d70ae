#pragma once
// Filter fuzz body: an arbitrary expression through BpfFilter::compile, and every program
// that compiles run over a few frames and over the input's own bytes.
// Input: byte 0 picks the link type (low 4 bits; '0'..'9' are 0..9, so seeds stay text) and
// a 64-byte snaplen when bit 0x40 is set; the rest is the expression. Returns false when a
// result breaks the API's promises; the fuzzer turns that into a crash.
#include <cstddef>
#include <cstdint>
#include <string>

#include "riptide/filter/bpf_filter.hpp"

namespace riptide::fuzz {

// Link types a file or socket can hand the engine, including ones libpcap has no filter
// code for (a pcapng interface may name any 16-bit type).
inline constexpr LinkType kFilterFuzzLinks[] = {
    LinkType::ethernet, LinkType::raw,  LinkType::linux_sll, LinkType::linux_sll2,
    LinkType::null_bsd, LinkType::loop, LinkType::ipv4,      LinkType::ipv6,
    static_cast<LinkType>(105),    // IEEE 802.11
    static_cast<LinkType>(127),    // radiotap
    static_cast<LinkType>(147),    // user DLT
    static_cast<LinkType>(9),      // PPP
    static_cast<LinkType>(65000),  // unassigned
};
inline constexpr std::size_t kFilterFuzzLinkCount = sizeof(kFilterFuzzLinks) / sizeof(kFilterFuzzLinks[0]);

// Ethernet / IPv4 / TCP 10.0.0.1:1234 -> 10.0.0.2:80, SYN.
inline constexpr std::uint8_t kFilterFuzzTcp4[] = {
    0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00,                                      // eth
    0x45, 0, 0, 40, 0x12, 0x34, 0x40, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,                // ipv4
    0x04, 0xd2, 0, 80, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02, 0xff, 0xff, 0, 0, 0, 0,             // tcp
};

inline bool filter_run(const BpfFilter& f, const std::uint8_t* data, std::uint32_t caplen, std::uint32_t wirelen) {
  PacketView v;
  v.data = data;
  v.caplen = caplen;
  v.wirelen = wirelen;
  return f.matches(v);
}

inline bool filter_one(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return true;
  const std::uint8_t sel = data[0];
  const LinkType link = kFilterFuzzLinks[(sel & 0x0f) % kFilterFuzzLinkCount];
  const std::uint32_t snaplen = (sel & 0x40) ? 64 : 262144;
  const std::string expr(reinterpret_cast<const char*>(data + 1), size - 1);

  auto r = BpfFilter::compile(expr, link, snaplen);
  if (!r) {
    // A refusal is fine; it must say why, and a bad expression is the caller's error.
    if (r.error().message.empty()) return false;
    return r.error().code == Errc::invalid_argument || r.error().code == Errc::internal;
  }
  const BpfFilter& f = *r;
  if (f.expression() != expr) return false;
  if (f.kernel_program() == nullptr) return false;

  // The verdicts do not matter, only that running the program stays inside each buffer.
  (void)filter_run(f, kFilterFuzzTcp4, sizeof kFilterFuzzTcp4, sizeof kFilterFuzzTcp4);
  (void)filter_run(f, kFilterFuzzTcp4, 20, 1500);  // snaplen-cut view
  (void)filter_run(f, kFilterFuzzTcp4, 0, 60);     // nothing captured
  (void)filter_run(f, data + 1, static_cast<std::uint32_t>(size - 1), static_cast<std::uint32_t>(size - 1));

  // Moving the filter keeps the program.
  BpfFilter moved = std::move(*r);
  return moved.kernel_program() != nullptr && moved.expression() == expr;
}

}  // namespace riptide::fuzz
