#include "riptide/decode/ip_addr.hpp"

#include <arpa/inet.h>

namespace riptide {

static_assert(kIpTextMax == INET6_ADDRSTRLEN);

std::string_view to_chars(const IpAddr& a, char (&out)[kIpTextMax]) noexcept {
  if (is_v4(a)) {
    // By hand: inet_ntop's IPv4 path goes through sprintf, several times slower.
    char* p = out;
    for (std::size_t i = 12; i < 16; ++i) {
      if (i > 12) *p++ = '.';
      const unsigned v = a.b[i];
      if (v >= 100) *p++ = static_cast<char>('0' + v / 100);
      if (v >= 10) *p++ = static_cast<char>('0' + v / 10 % 10);
      *p++ = static_cast<char>('0' + v % 10);
    }
    *p = '\0';
    return {out, static_cast<std::size_t>(p - out)};
  }
  return to_chars_v6(a, out);
}

std::string_view to_chars_v6(const IpAddr& a, char (&out)[kIpTextMax]) noexcept {
  if (::inet_ntop(AF_INET6, a.b.data(), out, kIpTextMax) == nullptr) out[0] = '\0';  // cannot fail: the buffer fits
  return {out};
}

std::string to_string(const IpAddr& a) {
  char buf[kIpTextMax];
  return std::string(to_chars(a, buf));
}

}  // namespace riptide
