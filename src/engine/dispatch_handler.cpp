#include "engine/dispatch_handler.hpp"

#include <algorithm>

namespace riptide {

engine::AnalyzerSet& Engine::Impl::Handler::set_of(std::size_t w) {
  if (!started[w]) {
    started[w] = 1;
    e.sets[w]->start();
  }
  return *e.sets[w];
}

// The same calls per batch as the workers topology's capture loop: one packets() (which
// splits the batch where packet-time timers are due) and one batch_end.
void Engine::Impl::Handler::on_packets(std::size_t w, std::span<const PacketMeta> metas,
                                       std::span<const PacketView> pkts) {
  auto& set = set_of(w);
  TimestampNs newest = 0;
  for (const auto& p : pkts) newest = std::max(newest, p.ts_ns);
  set.packets(metas, pkts);
  set.batch_end(newest);
  auto& p = e.worker_processed[w];
  p.store(p.load(std::memory_order_relaxed) + pkts.size(), std::memory_order_relaxed);
}

void Engine::Impl::Handler::on_tick(std::size_t w, TimestampNs now) {
  set_of(w).tick(now);
  e.publish_thread_state(w);
}

void Engine::Impl::Handler::on_stop(std::size_t w) {
  set_of(w).stop();
  e.publish_thread_state(w);
}

}  // namespace riptide
