#include "riptide/gen/size_mix.hpp"

#include <algorithm>
#include <cstdlib>

namespace riptide::gen {

SizeMix SizeMix::fixed(std::uint32_t size) {
  SizeMix m;
  m.pattern_ = {size};
  m.min_ = m.max_ = size;
  m.mean_ = size;
  return m;
}

Result<SizeMix> SizeMix::weighted(const std::vector<std::pair<std::uint32_t, std::uint32_t>>& sizes) {
  if (sizes.empty()) return make_error(Errc::invalid_argument, "empty size list");
  std::uint64_t total = 0;
  for (auto [s, w] : sizes) {
    if (w == 0) return make_error(Errc::invalid_argument, "size " + std::to_string(s) + " has weight 0");
    total += w;
  }
  if (total > 100000) return make_error(Errc::invalid_argument, "size weights add up to more than 100000");
  SizeMix m;
  m.min_ = UINT32_MAX;
  double sum = 0;
  // Smooth weighted round robin: each step every entry gains its weight, the richest is
  // chosen and pays the total. Spreads each size evenly over the cycle.
  std::vector<std::int64_t> cur(sizes.size(), 0);
  m.pattern_.reserve(std::size_t(total));
  for (std::uint64_t k = 0; k < total; ++k) {
    std::size_t best = 0;
    for (std::size_t i = 0; i < sizes.size(); ++i) {
      cur[i] += sizes[i].second;
      if (cur[i] > cur[best]) best = i;
    }
    cur[best] -= std::int64_t(total);
    m.pattern_.push_back(sizes[best].first);
  }
  for (auto [s, w] : sizes) {
    m.min_ = std::min(m.min_, s);
    m.max_ = std::max(m.max_, s);
    sum += double(s) * w;
  }
  m.mean_ = sum / double(total);
  return m;
}

SizeMix SizeMix::imix() { return weighted({{60, 7}, {590, 4}, {1514, 1}}).value(); }

SizeMix SizeMix::uniform(std::uint32_t lo, std::uint32_t hi, std::uint64_t seed) {
  SizeMix m;
  if (lo > hi) std::swap(lo, hi);
  m.kind_ = Kind::uniform;
  m.min_ = lo;
  m.max_ = hi;
  m.mean_ = (double(lo) + double(hi)) / 2;
  m.state_ = seed;
  return m;
}

Result<SizeMix> SizeMix::parse_list(const std::string& text) {
  std::vector<std::pair<std::uint32_t, std::uint32_t>> v;
  std::size_t i = 0;
  while (i <= text.size()) {
    std::size_t j = text.find(',', i);
    if (j == std::string::npos) j = text.size();
    const std::string item = text.substr(i, j - i);
    char* end = nullptr;
    const unsigned long size = std::strtoul(item.c_str(), &end, 10);
    unsigned long weight = 1;
    bool good = end != item.c_str() && size > 0 && size < 100000;
    if (good && *end == ':') {
      const char* w = end + 1;
      weight = std::strtoul(w, &end, 10);
      good = end != w && weight > 0 && weight <= 100000;
    }
    if (!good || *end != '\0')
      return make_error(Errc::invalid_argument, "bad size list item '" + item + "' (want SIZE[:WEIGHT],...)");
    v.emplace_back(std::uint32_t(size), std::uint32_t(weight));
    i = j + 1;
  }
  return weighted(v);
}

std::uint32_t SizeMix::next() noexcept {
  if (kind_ == Kind::uniform) return min_ + std::uint32_t(splitmix64(state_) % (std::uint64_t(max_ - min_) + 1));
  const std::uint32_t s = pattern_[pos_];
  pos_ = pos_ + 1 == pattern_.size() ? 0 : pos_ + 1;
  return s;
}

}  // namespace riptide::gen
