#include "riptide/analyze/sketch.hpp"

#include <algorithm>
#include <cmath>

namespace riptide {

CountMin::CountMin(std::uint32_t width, std::uint32_t depth) {
  width = std::clamp<std::uint32_t>(width, 1, kMaxWidth);
  width_ = 1;
  while (width_ < width) width_ <<= 1;
  depth_ = std::clamp<std::uint32_t>(depth, 1, kMaxDepth);
  mask_ = width_ - 1;
  cells_.assign(static_cast<std::size_t>(width_) * depth_, 0);
}

void CountMin::clear() noexcept {
  std::fill(cells_.begin(), cells_.end(), 0);
  total_ = 0;
}

bool CountMin::merge(const CountMin& o) noexcept {
  if (o.width_ != width_ || o.depth_ != depth_) return false;
  // Cell by cell: the sketch is linear in the stream, and both use the same hash per row.
  for (std::size_t i = 0; i < cells_.size(); ++i) cells_[i] += o.cells_[i];
  total_ += o.total_;
  return true;
}

double shannon_entropy_bits(std::span<const std::uint64_t> counts) noexcept {
  // H = log2(N) - (1/N) * sum c log2 c: one pass, no division per bucket.
  double n = 0, s = 0;
  for (const std::uint64_t c : counts) {
    if (c == 0) continue;
    const double d = static_cast<double>(c);
    n += d;
    s += d * std::log2(d);
  }
  if (n == 0) return 0;
  const double h = std::log2(n) - s / n;
  return h > 0 ? h : 0;  // rounding can give -1e-16 for a single value
}

}  // namespace riptide
