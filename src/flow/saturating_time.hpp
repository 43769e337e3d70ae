#pragma once
// Timestamp arithmetic that clamps at the ends of the 64-bit range instead of overflowing.
// Packet times come from files and may be anything: a pcapng reader saturates absurd times to
// INT64_MIN / INT64_MAX, and a gap between two of those does not fit in a TimestampNs. Clamped,
// every "longer than the timeout" test still decides as exact arithmetic would.
#include <limits>

#include "riptide/core/packet.hpp"

namespace riptide::flow_detail {

inline TimestampNs add_saturated(TimestampNs a, TimestampNs b) noexcept {
  TimestampNs r;
  if (__builtin_add_overflow(a, b, &r)) return b > 0 ? std::numeric_limits<TimestampNs>::max()
                                                     : std::numeric_limits<TimestampNs>::min();
  return r;
}

// later - earlier, clamped: the time between two packets, negative when `later` is older.
inline TimestampNs elapsed(TimestampNs later, TimestampNs earlier) noexcept {
  TimestampNs r;
  if (__builtin_sub_overflow(later, earlier, &r)) return earlier < 0 ? std::numeric_limits<TimestampNs>::max()
                                                                     : std::numeric_limits<TimestampNs>::min();
  return r;
}

}  // namespace riptide::flow_detail
