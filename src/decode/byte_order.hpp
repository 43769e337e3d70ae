#pragma once
// Unaligned loads of wire fields. memcpy compiles to a single load; packet bytes carry no
// alignment guarantee, so dereferencing a cast pointer would be undefined behaviour.
#include <cstdint>
#include <cstring>

namespace riptide::decode_detail {

inline std::uint16_t load_be16(const std::uint8_t* p) noexcept {
  return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
}

inline std::uint32_t load_be32(const std::uint8_t* p) noexcept {
  std::uint32_t v;
  std::memcpy(&v, p, 4);
  return __builtin_bswap32(v);
}

inline std::uint32_t load_host32(const std::uint8_t* p) noexcept {
  std::uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

}  // namespace riptide::decode_detail
