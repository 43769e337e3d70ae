#pragma once
// Unaligned loads and stores of wire and file fields. Packet and file bytes carry no
// alignment guarantee, so dereferencing a cast pointer would be undefined behaviour; memcpy
// compiles to a single load or store (plus a bswap for the other byte order).
//
// **Example**
//   #include <riptide/core/byte_order.hpp>
//   std::uint8_t ip[20] = {0x45};
//   riptide::store_be16(ip + 2, 84);                       // total length, network order
//   const std::uint16_t len = riptide::load_be16(ip + 2);  // 84
//   const bool swap = riptide::load_native<std::uint32_t>(file) == 0xd4c3b2a1;  // pcap magic, other endian
//   const std::uint32_t snaplen = riptide::load_swapped<std::uint32_t>(file + 16, swap);
#include <bit>
#include <concepts>
#include <cstdint>
#include <cstring>

namespace riptide {

static_assert(std::endian::native == std::endian::little || std::endian::native == std::endian::big);

// Reverses the bytes of an unsigned integer (identity for one byte).
template <std::unsigned_integral T>
constexpr T byteswap(T v) noexcept {
  if constexpr (sizeof(T) == 1) return v;
  if constexpr (sizeof(T) == 2) return static_cast<T>(__builtin_bswap16(v));
  if constexpr (sizeof(T) == 4) return static_cast<T>(__builtin_bswap32(v));
  if constexpr (sizeof(T) == 8) return static_cast<T>(__builtin_bswap64(v));
}

// Host byte order.
template <std::unsigned_integral T>
inline T load_native(const void* p) noexcept {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
template <std::unsigned_integral T>
inline void store_native(void* p, T v) noexcept {
  std::memcpy(p, &v, sizeof v);
}

// Host order, byte-swapped when `swap` (a capture file written on the other endianness).
template <std::unsigned_integral T>
inline T load_swapped(const void* p, bool swap) noexcept {
  const T v = load_native<T>(p);
  return swap ? byteswap(v) : v;
}

// Big-endian (network order).
template <std::unsigned_integral T>
inline T load_be(const void* p) noexcept {
  const T v = load_native<T>(p);
  if constexpr (std::endian::native == std::endian::big) return v;
  return byteswap(v);
}
template <std::unsigned_integral T>
inline void store_be(void* p, T v) noexcept {
  if constexpr (std::endian::native == std::endian::little) v = byteswap(v);
  store_native(p, v);
}

// Little-endian (riptide's own payload formats).
template <std::unsigned_integral T>
inline T load_le(const void* p) noexcept {
  const T v = load_native<T>(p);
  if constexpr (std::endian::native == std::endian::little) return v;
  return byteswap(v);
}
template <std::unsigned_integral T>
inline void store_le(void* p, T v) noexcept {
  if constexpr (std::endian::native == std::endian::big) v = byteswap(v);
  store_native(p, v);
}

inline std::uint16_t load_be16(const void* p) noexcept { return load_be<std::uint16_t>(p); }
inline std::uint32_t load_be32(const void* p) noexcept { return load_be<std::uint32_t>(p); }
inline std::uint64_t load_be64(const void* p) noexcept { return load_be<std::uint64_t>(p); }
inline void store_be16(void* p, std::uint16_t v) noexcept { store_be(p, v); }
inline void store_be32(void* p, std::uint32_t v) noexcept { store_be(p, v); }
inline void store_be64(void* p, std::uint64_t v) noexcept { store_be(p, v); }

}  // namespace riptide
