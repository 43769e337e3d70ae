#pragma once
// Unaligned loads in either byte order: capture files put records at any offset and come
// from machines of either endianness, so every field is read through memcpy.
#include <bit>
#include <cstdint>
#include <cstring>

namespace riptide::file_detail {

template <class T>
inline T load(const std::uint8_t* p, bool swap) noexcept {
  T v;
  std::memcpy(&v, p, sizeof v);
  if (!swap) return v;
  if constexpr (sizeof(T) == 2) return static_cast<T>(__builtin_bswap16(static_cast<std::uint16_t>(v)));
  if constexpr (sizeof(T) == 4) return static_cast<T>(__builtin_bswap32(static_cast<std::uint32_t>(v)));
  if constexpr (sizeof(T) == 8) return static_cast<T>(__builtin_bswap64(static_cast<std::uint64_t>(v)));
  return v;
}

inline std::uint16_t u16(const std::uint8_t* p, bool swap) noexcept { return load<std::uint16_t>(p, swap); }
inline std::uint32_t u32(const std::uint8_t* p, bool swap) noexcept { return load<std::uint32_t>(p, swap); }
inline std::uint64_t u64(const std::uint8_t* p, bool swap) noexcept { return load<std::uint64_t>(p, swap); }

}  // namespace riptide::file_detail
