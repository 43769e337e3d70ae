// The block timeout of a live capture, chosen from what the analyzers accept.
#include <algorithm>

#include "riptide/engine/engine.hpp"

namespace riptide {

BlockTimeoutChoice choose_block_timeout(std::span<const std::unique_ptr<AnalyzerFactory>> analyzers) {
  using std::chrono::milliseconds;
  constexpr milliseconds kMin{1}, kMax{1000};  // the range --block-timeout accepts
  if (analyzers.empty())
    return {static_cast<std::uint32_t>(AnalyzerFactory::kDefaultMaxPacketDelay.count()), "the default: no analyzer"};
  auto delay = [&](const AnalyzerFactory& f) { return std::clamp(f.max_packet_delay(), kMin, kMax); };
  milliseconds best = kMax;
  for (const auto& f : analyzers) best = std::min(best, delay(*f));
  std::string names;
  for (const auto& f : analyzers)
    if (delay(*f) == best) names += (names.empty() ? "" : ", ") + std::string(f->name());
  return {static_cast<std::uint32_t>(best.count()), "the longest that every analyzer accepts, set by " + names};
}

}  // namespace riptide
