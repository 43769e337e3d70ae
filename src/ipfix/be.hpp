#pragma once
// The IPFIX wire format's big-endian fields, by the names the codec uses; the loads and
// stores themselves are core's (byte_order.hpp).
#include <cstddef>
#include <cstdint>

#include "riptide/core/byte_order.hpp"

namespace riptide::ipfix::detail {

inline void put16(std::uint8_t* p, std::uint16_t v) noexcept { store_be16(p, v); }
inline void put32(std::uint8_t* p, std::uint32_t v) noexcept { store_be32(p, v); }
inline void put64(std::uint8_t* p, std::uint64_t v) noexcept { store_be64(p, v); }
inline std::uint16_t get16(const std::uint8_t* p) noexcept { return load_be16(p); }
inline std::uint32_t get32(const std::uint8_t* p) noexcept { return load_be32(p); }
// An unsigned number in 1..8 bytes (RFC 7011 reduced-size encoding).
inline std::uint64_t get_uint(const std::uint8_t* p, std::size_t n) noexcept {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < n; ++i) v = v << 8 | p[i];
  return v;
}

}  // namespace riptide::ipfix::detail
