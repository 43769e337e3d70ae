#include "riptide/gen/seq_tracker.hpp"

namespace riptide::gen {

SeqTracker::SeqTracker(std::uint32_t max_flows, std::uint32_t window)
    : words_((window + 63) / 64 ? (window + 63) / 64 : 1),
      flows_(max_flows),
      bits_(std::size_t(max_flows) * words_) {}

bool SeqTracker::test_and_set(std::uint32_t flow, std::uint64_t seq) noexcept {
  const std::uint64_t bit = seq % (std::uint64_t(words_) * 64);
  std::uint64_t& w = bits_[std::size_t(flow) * words_ + bit / 64];
  const std::uint64_t m = std::uint64_t(1) << (bit % 64);
  const bool was = (w & m) != 0;
  w |= m;
  return was;
}

void SeqTracker::clear_bit(std::uint32_t flow, std::uint64_t seq) noexcept {
  const std::uint64_t bit = seq % (std::uint64_t(words_) * 64);
  bits_[std::size_t(flow) * words_ + bit / 64] &= ~(std::uint64_t(1) << (bit % 64));
}

void SeqTracker::feed(std::uint32_t flow, std::uint64_t seq) noexcept {
  ++c_.received;
  if (flow >= flows_.size()) {
    ++c_.unknown_flow;
    return;
  }
  Flow& f = flows_[flow];
  const std::uint64_t window = std::uint64_t(words_) * 64;
  if (!f.seen) {
    f.seen = true;
    f.base = f.highest = seq;
    ++f.unique;
    ++c_.unique;
    ++c_.flows_seen;
    ++expected_total_;
    test_and_set(flow, seq);
    return;
  }
  if (seq > f.highest) {
    // Forget the numbers that slide out of the window: their bits are reused for the new ones.
    const std::uint64_t gap = seq - f.highest;
    if (gap >= window) {
      for (std::uint32_t i = 0; i < words_; ++i) bits_[std::size_t(flow) * words_ + i] = 0;
    } else {
      for (std::uint64_t s = f.highest + 1; s < seq; ++s) clear_bit(flow, s);
      clear_bit(flow, seq);
    }
    expected_total_ += gap;
    f.highest = seq;
    test_and_set(flow, seq);
    ++f.unique;
    ++c_.unique;
    return;
  }
  if (f.highest - seq >= window || seq < f.base) {
    ++c_.stale;
    return;
  }
  if (test_and_set(flow, seq)) {
    ++c_.duplicates;
    return;
  }
  ++c_.reordered;
  ++f.unique;
  ++c_.unique;
}

std::uint64_t SeqTracker::expected(std::uint32_t flow) const noexcept {
  if (flow >= flows_.size() || !flows_[flow].seen) return 0;
  return flows_[flow].highest - flows_[flow].base + 1;
}

SeqCounts SeqTracker::counts() const noexcept {
  SeqCounts c = c_;
  c.lost = expected_total_ - c.unique;
  return c;
}

}  // namespace riptide::gen
