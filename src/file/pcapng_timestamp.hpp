#pragma once
// pcapng timestamps are a 64-bit count of per-interface units (if_tsresol: 10^-k or 2^-k
// seconds) plus a per-interface offset in seconds (if_tsoffset). The conversion is decided
// once per interface so the per-packet cost is one multiply or divide.
#include <cstdint>
#include <limits>

namespace riptide::file_detail {

__extension__ typedef unsigned __int128 uint128_t;  // NOLINT: -Wpedantic knows no 128-bit type

class TimestampScale {
 public:
  // `tsresol` is the raw option byte; absent means microseconds (6).
  static TimestampScale from_tsresol(std::uint8_t tsresol, std::int64_t offset_s) noexcept {
    TimestampScale s;
    s.offset_ns_ = saturating_mul(offset_s, 1000000000);
    const unsigned k = tsresol & 0x7fu;
    if ((tsresol & 0x80u) != 0) {
      s.kind_ = Kind::pow2;
      s.shift_ = k;
    } else if (k <= 9) {
      s.kind_ = Kind::mul;
      s.factor_ = pow10(9 - k);
    } else if (k - 9 <= 19) {
      s.kind_ = Kind::div;
      s.factor_ = pow10(k - 9);
    } else {
      s.kind_ = Kind::zero;  // a unit so small that every 64-bit count is under 1 ns
    }
    return s;
  }

  std::int64_t to_ns(std::uint64_t units) const noexcept {
    uint128_t ns = 0;
    switch (kind_) {
      case Kind::mul: ns = static_cast<uint128_t>(units) * factor_; break;
      case Kind::div: ns = units / factor_; break;
      case Kind::pow2: ns = (static_cast<uint128_t>(units) * 1000000000u) >> shift_; break;
      case Kind::zero: break;
    }
    constexpr auto kMax = static_cast<uint128_t>(std::numeric_limits<std::int64_t>::max());
    const std::int64_t base = ns > kMax ? std::numeric_limits<std::int64_t>::max() : static_cast<std::int64_t>(ns);
    std::int64_t r = 0;
    if (__builtin_add_overflow(base, offset_ns_, &r)) {
      return offset_ns_ > 0 ? std::numeric_limits<std::int64_t>::max() : std::numeric_limits<std::int64_t>::min();
    }
    return r;
  }

 private:
  enum class Kind : std::uint8_t { mul, div, pow2, zero };
  static std::uint64_t pow10(unsigned e) noexcept {
    std::uint64_t v = 1;
    while (e-- > 0) v *= 10;
    return v;
  }
  static std::int64_t saturating_mul(std::int64_t a, std::int64_t b) noexcept {
    std::int64_t r = 0;
    if (__builtin_mul_overflow(a, b, &r)) {
      return (a < 0) != (b < 0) ? std::numeric_limits<std::int64_t>::min() : std::numeric_limits<std::int64_t>::max();
    }
    return r;
  }

  Kind kind_ = Kind::mul;
  unsigned shift_ = 0;
  std::uint64_t factor_ = 1000;
  std::int64_t offset_ns_ = 0;
};

}  // namespace riptide::file_detail
