#include "riptide/core/rotation.hpp"

#include <ctime>

namespace riptide {
namespace {

constexpr TimestampNs kNsPerS = 1'000'000'000;

unsigned digits(unsigned v) noexcept {
  unsigned d = 1;
  while (v >= 10) {
    v /= 10;
    ++d;
  }
  return d;
}

TimestampNs floor_s(TimestampNs t) noexcept { return t >= 0 ? t / kNsPerS : -((-t + kNsPerS - 1) / kNsPerS); }

}  // namespace

std::string RotationSchedule::name(TimestampNs t, unsigned count) const {
  std::string base = pattern_;
  if (policy_.interval_s != 0) {
    const std::time_t secs = static_cast<std::time_t>(floor_s(t));
    std::tm tm{};
    localtime_r(&secs, &tm);
    // strftime gives 0 both for "too long" and for an empty result: grow until it fits.
    for (std::size_t cap = pattern_.size() * 4 + 64; cap <= 65536; cap *= 4) {
      std::string out(cap, '\0');
      const std::size_t n = std::strftime(out.data(), out.size(), pattern_.c_str(), &tm);
      if (n != 0 || pattern_.empty()) {
        out.resize(n);
        base = std::move(out);
        break;
      }
    }
  }
  // Numbers only count files by size; -G alone names by time only, as tcpdump's.
  const unsigned width = policy_.files != 0 && policy_.max_bytes != 0 ? digits(policy_.files - 1) : 0;
  if (count == 0 && width == 0) return base;
  std::string num = std::to_string(count);
  if (num.size() < width) num.insert(0, width - num.size(), '0');
  return base + num;
}

std::string RotationSchedule::start(TimestampNs t) {
  interval_start_ = t;
  count_ = 0;
  started_ = 1;
  return name(t, count_);
}

RotationSchedule::Step RotationSchedule::decide(std::uint64_t file_bytes, std::uint64_t record_bytes,
                                                std::uint64_t records, TimestampNs t) const noexcept {
  if (policy_.interval_s != 0 && t - interval_start_ >= TimestampNs{policy_.interval_s} * kNsPerS) {
    if (policy_.files != 0 && policy_.max_bytes == 0 && started_ >= policy_.files) return Step::end;
    return Step::next;
  }
  if (policy_.max_bytes != 0 && records != 0 && file_bytes + record_bytes > policy_.max_bytes) return Step::next;
  return Step::same;
}

std::string RotationSchedule::next(TimestampNs t) {
  ++started_;
  if (policy_.interval_s != 0 && t - interval_start_ >= TimestampNs{policy_.interval_s} * kNsPerS) {
    // A new interval begins at this record, as tcpdump's does at the packet that ends the last
    // one; numbering starts again (tcpdump resets its -C count at each -G file).
    interval_start_ = t;
    count_ = 0;
    return name(t, count_);
  }
  ++count_;
  if (policy_.files != 0 && count_ >= policy_.files) count_ = 0;
  return name(interval_start_, count_);
}

std::string check_rotation(const std::string& pattern, const RotationPolicy& p) {
  if (!p.active() && p.files != 0) return "-W needs -C or -G (a ring of files needs a reason to move on)";
  if (p.active() && (pattern.empty() || pattern == "-")) return "-C and -G need a file name (-w FILE), not standard output";
  return "";
}

}  // namespace riptide
