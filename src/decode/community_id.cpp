// Community ID v1: the tuple is put in a canonical order so both directions hash alike.
#include "riptide/decode/community_id.hpp"

#include <cstring>
#include <utility>

#include "decode/sha1.hpp"

namespace riptide {

namespace {

// ICMP message types that have a counterpart (request <-> reply). A type without one makes
// the flow one-way: it keeps its direction and hashes its code as the second "port".
int icmp_peer(std::uint8_t proto, std::uint16_t type) noexcept {
  if (proto == 1) {
    switch (type) {
      case 8: return 0;   case 0: return 8;    // echo
      case 13: return 14; case 14: return 13;  // timestamp
      case 15: return 16; case 16: return 15;  // information
      case 10: return 9;  case 9: return 10;   // router solicitation / advertisement
      case 17: return 18; case 18: return 17;  // address mask
      default: return -1;
    }
  }
  switch (type) {
    case 128: return 129; case 129: return 128;  // echo
    case 133: return 134; case 134: return 133;  // router solicitation / advertisement
    case 135: return 136; case 136: return 135;  // neighbor solicitation / advertisement
    case 130: return 131; case 131: return 130;  // multicast listener query / report
    case 144: return 145; case 145: return 144;  // home agent address discovery
    default: return -1;
  }
}

void base64(const std::uint8_t* in, std::size_t n, char* out) noexcept {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::size_t i = 0;
  for (; i + 3 <= n; i += 3) {
    const std::uint32_t v = std::uint32_t{in[i]} << 16 | std::uint32_t{in[i + 1]} << 8 | in[i + 2];
    for (int k = 0; k < 4; ++k) *out++ = kAlphabet[(v >> (18 - 6 * k)) & 63];
  }
  if (n - i == 2) {  // 20-byte digests end with two bytes: three characters and one '='
    const std::uint32_t v = std::uint32_t{in[i]} << 16 | std::uint32_t{in[i + 1]} << 8;
    *out++ = kAlphabet[(v >> 18) & 63];
    *out++ = kAlphabet[(v >> 12) & 63];
    *out++ = kAlphabet[(v >> 6) & 63];
    *out++ = '=';
  } else if (n - i == 1) {
    const std::uint32_t v = std::uint32_t{in[i]} << 16;
    *out++ = kAlphabet[(v >> 18) & 63];
    *out++ = kAlphabet[(v >> 12) & 63];
    *out++ = '=';
    *out++ = '=';
  }
}

}  // namespace

std::string_view community_id(const IpAddr& src, std::uint16_t sport, const IpAddr& dst, std::uint16_t dport,
                              std::uint8_t ip_version, std::uint8_t proto, char* out, std::uint16_t seed) noexcept {
  const bool icmp = proto == 1 || proto == 58;
  const bool ports = icmp || proto == 6 || proto == 17 || proto == 132;
  bool one_way = false;
  if (icmp) {
    const int peer = icmp_peer(proto, sport);
    if (peer >= 0) dport = static_cast<std::uint16_t>(peer);
    else one_way = true;  // dport stays the code
  }
  const std::size_t alen = ip_version == 4 ? 4 : 16;
  const std::uint8_t* a = src.b.data() + (16 - alen);
  const std::uint8_t* b = dst.b.data() + (16 - alen);
  const int c = std::memcmp(a, b, alen);
  if (!one_way && (c > 0 || (c == 0 && ports && sport > dport))) {
    std::swap(a, b);
    std::swap(sport, dport);
  }
  std::uint8_t msg[2 + 16 + 16 + 2 + 4];
  std::size_t n = 0;
  msg[n++] = static_cast<std::uint8_t>(seed >> 8);
  msg[n++] = static_cast<std::uint8_t>(seed);
  std::memcpy(msg + n, a, alen), n += alen;
  std::memcpy(msg + n, b, alen), n += alen;
  msg[n++] = proto;
  msg[n++] = 0;
  if (ports) {
    msg[n++] = static_cast<std::uint8_t>(sport >> 8);
    msg[n++] = static_cast<std::uint8_t>(sport);
    msg[n++] = static_cast<std::uint8_t>(dport >> 8);
    msg[n++] = static_cast<std::uint8_t>(dport);
  }
  const auto digest = decode_detail::sha1(msg, n);
  out[0] = '1';
  out[1] = ':';
  base64(digest.data(), digest.size(), out + 2);
  return {out, kCommunityIdLen};
}

}  // namespace riptide
