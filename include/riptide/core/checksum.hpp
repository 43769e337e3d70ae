#pragma once
// The Internet checksum (RFC 1071): the one's-complement of the one's-complement sum of
// big-endian 16-bit words. Sums are associative, so a header's constant part can be summed
// once and the per-packet fields added later (RFC 1071 section 2, "incremental update").
//
// **Example**
//   #include <riptide/core/checksum.hpp>
//   std::uint8_t* ip = frame + 14;                                           // an IPv4 header
//   riptide::store_be16(ip + 10, 0);                                         // checksum field zero
//   riptide::store_be16(ip + 10, riptide::internet_checksum({ip, 20}));      // fill it in
//   bool ok = riptide::internet_checksum({ip, 20}) == 0;                     // a valid header sums to 0
//   // Incremental: the constant part once, the length per packet.
//   const std::uint32_t fixed = riptide::checksum_add(0, {ip, 20});          // length field still 0
//   riptide::store_be16(ip + 10, riptide::checksum_fold(fixed + total_len));
#include <cstddef>
#include <cstdint>
#include <span>

namespace riptide {

// Adds `bytes` as big-endian 16-bit words to a partial sum and returns the new partial sum,
// folded to at most 0xffff (so callers may add a few 16-bit fields to it without overflow).
// An odd last byte counts as its word's high byte: only the last piece of a sum may be odd.
constexpr std::uint32_t checksum_add(std::uint32_t sum, std::span<const std::uint8_t> bytes) noexcept {
  std::uint64_t s = sum;
  std::size_t i = 0;
  for (; i + 1 < bytes.size(); i += 2) s += std::uint32_t{bytes[i]} << 8 | bytes[i + 1];
  if (i < bytes.size()) s += std::uint32_t{bytes[i]} << 8;
  while (s >> 16) s = (s & 0xffff) + (s >> 16);
  return static_cast<std::uint32_t>(s);
}

// Folds the carries of a partial sum and complements it: the value to store in the field.
constexpr std::uint16_t checksum_fold(std::uint32_t sum) noexcept {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum);
}

// The checksum of `bytes` alone. Over data that includes a correct checksum field it is 0.
constexpr std::uint16_t internet_checksum(std::span<const std::uint8_t> bytes) noexcept {
  return checksum_fold(checksum_add(0, bytes));
}

}  // namespace riptide
