// The calculation and the frame payload of the example.
#include "source_bytes.hpp"

#include <time.h>

#include <cstdio>
#include <unordered_map>

namespace source_bytes {

namespace {
std::int64_t thread_cpu_ns() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}
}  // namespace

Summary calculate(std::int64_t period, std::vector<Counts>& per_thread, std::chrono::milliseconds cpu) {
  Summary s;
  s.period = period;
  std::unordered_map<riptide::IpAddr, std::uint64_t, riptide::IpAddrHash> all;
  for (const auto& c : per_thread) c.for_each([&](const riptide::IpAddr& k, std::uint64_t v) { all[k] += v; });
  for (const auto& [k, v] : all) {
    s.total_bytes += v;
    if (v > s.top_bytes) s.top_bytes = v, s.top = k;
  }
  s.sources = all.size();
  // Stands in for the user's model: CPU-bound rounds over the counts for `cpu` of CPU time.
  const std::int64_t until = thread_cpu_ns() + std::chrono::nanoseconds(cpu).count();
  do {
    for (const auto& [k, v] : all) s.score = s.score * 31 + (v ^ k.b[15]);
  } while (thread_cpu_ns() < until);
  return s;
}

std::vector<std::uint8_t> encode(const Summary& s) {
  char buf[160];
  const int n = std::snprintf(buf, sizeof buf, "period=%lld sources=%llu bytes=%llu top=%s top_bytes=%llu\n",
                              static_cast<long long>(s.period), static_cast<unsigned long long>(s.sources),
                              static_cast<unsigned long long>(s.total_bytes), s.top.to_string().c_str(),
                              static_cast<unsigned long long>(s.top_bytes));
  return std::vector<std::uint8_t>(buf, buf + (n > 0 ? n : 0));
}

}  // namespace source_bytes
