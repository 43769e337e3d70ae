#pragma once
// An IPv4 or IPv6 address as the decoder stores it, and its text form.
//
// **Example**
//   #include <riptide/decode/ip_addr.hpp>
//   const std::uint8_t raw[4] = {192, 0, 2, 1};
//   riptide::IpAddr a = riptide::IpAddr::from_v4(raw);
//   std::string s = riptide::to_string(a);            // "192.0.2.1"
//   bool v4 = riptide::is_v4(a);                      // true: stored as ::ffff:192.0.2.1
//   std::array<std::uint8_t, 4> q = riptide::v4(a);   // {192, 0, 2, 1}
//   char buf[riptide::kIpTextMax];                    // no allocation, for per-record output
//   std::string_view t = riptide::to_chars(a, buf);
//   std::string_view m = riptide::to_chars_v6(a, buf);  // "::ffff:192.0.2.1"
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace riptide {

// 16 bytes; IPv4 addresses are stored IPv4-mapped (::ffff:a.b.c.d) so comparisons are uniform.
struct IpAddr {
  std::array<std::uint8_t, 16> b{};
  static IpAddr from_v4(const std::uint8_t* p) noexcept {
    // Built as two words: byte by byte it was a tenth of the decoder's instructions.
    static_assert(std::endian::native == std::endian::little, "the low word below holds bytes 8..15");
    std::uint32_t v4;
    std::memcpy(&v4, p, 4);
    const std::uint64_t lo = 0, hi = 0xffff0000ull | std::uint64_t{v4} << 32;  // 00 00 ff ff a b c d
    IpAddr a;
    std::memcpy(a.b.data(), &lo, 8);
    std::memcpy(a.b.data() + 8, &hi, 8);
    return a;
  }
  static IpAddr from_v6(const std::uint8_t* p) noexcept {
    IpAddr a;
    std::memcpy(a.b.data(), p, 16);
    return a;
  }
  // An IPv4 address (stored IPv4-mapped, ::ffff:a.b.c.d), and its four bytes.
  bool is_v4() const noexcept {
    static constexpr std::uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    return std::memcmp(b.data(), kMapped, sizeof kMapped) == 0;
  }
  std::array<std::uint8_t, 4> v4() const noexcept { return {b[12], b[13], b[14], b[15]}; }
  std::string to_string() const;  // "10.0.0.1", "2001:db8::1"
  bool operator==(const IpAddr&) const = default;
  auto operator<=>(const IpAddr&) const = default;
};

// True when `a` holds an IPv4 address (IPv4-mapped, ::ffff:a.b.c.d).
inline bool is_v4(const IpAddr& a) noexcept {
  static constexpr std::uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  return std::memcmp(a.b.data(), kMapped, sizeof kMapped) == 0;
}

// The IPv4 address in network order (the last four bytes). Meaningful only when is_v4(a).
inline std::array<std::uint8_t, 4> v4(const IpAddr& a) noexcept { return {a.b[12], a.b[13], a.b[14], a.b[15]}; }

// Longest text to_chars writes, with its terminating NUL (INET6_ADDRSTRLEN).
inline constexpr std::size_t kIpTextMax = 46;

// Dotted quad for an IPv4 address, RFC 5952 text (as inet_ntop writes it) for IPv6. Writes a
// NUL-terminated string into `out` and returns a view of it (without the NUL).
std::string_view to_chars(const IpAddr& a, char (&out)[kIpTextMax]) noexcept;

// RFC 5952 text even for an IPv4-mapped address ("::ffff:192.0.2.1"), for output whose form
// follows the packet's IP version rather than the address: an IPv6 packet may carry a mapped one.
std::string_view to_chars_v6(const IpAddr& a, char (&out)[kIpTextMax]) noexcept;

std::string to_string(const IpAddr& a);

inline std::string IpAddr::to_string() const { return riptide::to_string(*this); }

}  // namespace riptide
