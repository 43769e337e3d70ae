// The analyzer behind a stalled packet thread, named in the report next to the drops it
// caused: the fix is in that analyzer (or the queue that must hold its stall), which the
// drop point's own advice cannot know.
#include <cstdio>
#include <string>

#include "riptide/engine/run_report.hpp"

namespace riptide {

namespace {
// Shorter calls cannot stall a thread whose queue or ring holds milliseconds of traffic: the
// loss then comes from every call being slow, which the drop point's advice covers.
constexpr std::uint64_t kStandsOutNs = 1'000'000;
}  // namespace

std::string stall_advice(const RunReport& r) {
  const bool dispatch = r.topology == "dispatch";
  const std::uint64_t lost = dispatch ? r.worker_queue_drops : r.kernel_drops;
  if (lost == 0) return {};
  const AnalyzerReport* worst = nullptr;
  for (const auto& a : r.analyzers)
    if (a.max_call_ns >= kStandsOutNs && (!worst || a.max_call_ns > worst->max_call_ns)) worst = &a;
  if (!worst) return {};
  const double mean_ms = worst->calls ? static_cast<double>(worst->busy_ns) / static_cast<double>(worst->calls) / 1e6 : 0;
  char buf[512];
  std::snprintf(buf, sizeof buf,
                "analyzer '%s' took up to %.0f ms per %s call on %s %zu (mean %.3f ms over %llu calls): "
                "offload its long work (ctx.offload) or raise %s",
                worst->name.c_str(), static_cast<double>(worst->max_call_ns) / 1e6,
                worst->max_call_where.empty() ? "one" : worst->max_call_where.c_str(),
                dispatch ? "worker" : "capture thread", worst->max_call_thread, mean_ms,
                static_cast<unsigned long long>(worst->calls),
                dispatch ? "--worker-ring (or --ring-ms, which sizes it)" : "--ring-ms");
  return buf;
}

}  // namespace riptide
