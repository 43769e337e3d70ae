#pragma once
// Shared helpers for the decoder tests: decode one built frame with fresh stats.
#include <string>

#include "riptide/decode/decoder.hpp"
#include "support/pktbuild.hpp"

namespace riptide::test {

struct Decoded {
  PacketMeta m;
  DecodeStats st;
  DecodeError e = DecodeError::none;
};

inline Decoded decode_view(const PacketView& v) {
  Decoded d;
  d.e = decode(v, d.m, d.st);
  return d;
}

inline Decoded decode_bytes(const Bytes& b, LinkType link = LinkType::ethernet, std::uint32_t wirelen = 0) {
  return decode_view(view_of(b, link, wirelen));
}

inline IpAddr addr(const std::string& text) {
  const Bytes b = ip_bytes(text);
  return b.size() == 4 ? IpAddr::from_v4(b.data()) : IpAddr::from_v6(b.data());
}

}  // namespace riptide::test
