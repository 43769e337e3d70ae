#pragma once
// SHA-1 (FIPS 180-4) over one short message, for Community ID. Not for security: the
// Community ID specification fixes SHA-1, and pulling in a crypto library for 60 lines of
// arithmetic on an output thread would add a dependency to every build.
#include <array>
#include <cstddef>
#include <cstdint>

namespace riptide::decode_detail {

std::array<std::uint8_t, 20> sha1(const std::uint8_t* data, std::size_t len) noexcept;

}  // namespace riptide::decode_detail
