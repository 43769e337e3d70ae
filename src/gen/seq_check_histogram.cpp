#include <cmath>

#include "riptide/gen/seq_check.hpp"

namespace riptide {

void LatencyHistogram::merge(const LatencyHistogram& o) noexcept {
  for (std::size_t i = 0; i < kBuckets; ++i) counts_[i] += o.counts_[i];
  count_ += o.count_;
  if (o.max_ > max_) max_ = o.max_;
}

std::uint64_t LatencyHistogram::bucket_low(std::size_t i) noexcept {
  constexpr std::size_t sub = std::size_t(1) << kSubBits;
  if (i < sub) return i;
  const unsigned shift = unsigned(i >> kSubBits) - 1;
  return std::uint64_t(sub + (i & (sub - 1))) << shift;
}

std::uint64_t LatencyHistogram::bucket_high(std::size_t i) noexcept {
  constexpr std::size_t sub = std::size_t(1) << kSubBits;
  if (i < sub) return i;
  const unsigned shift = unsigned(i >> kSubBits) - 1;
  return bucket_low(i) + ((std::uint64_t(1) << shift) - 1);
}

std::uint64_t LatencyHistogram::percentile(double q) const noexcept {
  if (count_ == 0) return 0;
  if (!(q > 0)) q = 0;
  if (q > 1) q = 1;
  // Rank of the value sought, 1-based: p50 of {1, 2} is 1, p100 the largest.
  auto rank = static_cast<std::uint64_t>(std::ceil(q * double(count_)));
  if (rank == 0) rank = 1;
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < kBuckets; ++i) {
    seen += counts_[i];
    if (seen >= rank) {
      const std::uint64_t hi = bucket_high(i);
      return hi < max_ ? hi : max_;
    }
  }
  return max_;
}

}  // namespace riptide
