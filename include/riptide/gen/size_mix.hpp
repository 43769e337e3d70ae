#pragma once
// SizeMix: the frame size of each generated frame. Fixed, a weighted list (IMIX) cycled in a
// deterministic interleaved order (smooth weighted round robin: 7:4:1 gives a pattern of 12
// where the large frames are spread out, not clumped), or uniform in [lo, hi] from a seeded
// PRNG. next() never allocates.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "riptide/core/result.hpp"

namespace riptide::gen {

class SizeMix {
 public:
  static SizeMix fixed(std::uint32_t size);
  // (size, weight) pairs; weights > 0, total weight <= 100000.
  static Result<SizeMix> weighted(const std::vector<std::pair<std::uint32_t, std::uint32_t>>& sizes);
  // Simple IMIX 7:4:1 of 64/594/1518 B on the wire, i.e. 60/590/1514 B without FCS.
  static SizeMix imix();
  static SizeMix uniform(std::uint32_t lo, std::uint32_t hi, std::uint64_t seed);
  // "SIZE[:WEIGHT],..." as given to --imix-list.
  static Result<SizeMix> parse_list(const std::string& text);

  std::uint32_t next() noexcept;
  std::uint32_t min() const noexcept { return min_; }
  std::uint32_t max() const noexcept { return max_; }
  double mean() const noexcept { return mean_; }

 private:
  enum class Kind : std::uint8_t { pattern, uniform };
  Kind kind_ = Kind::pattern;
  std::vector<std::uint32_t> pattern_;
  std::size_t pos_ = 0;
  std::uint64_t state_ = 0;
  std::uint32_t min_ = 0, max_ = 0;
  double mean_ = 0;
};

// splitmix64: small, fast, good enough to pick sizes and flows reproducibly from a seed.
inline std::uint64_t splitmix64(std::uint64_t& s) noexcept {
  std::uint64_t z = (s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

}  // namespace riptide::gen
