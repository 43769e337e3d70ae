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

void Engine::Impl::Handler::on_items(std::size_t w, std::span<const WorkItem> items) {
  auto& set = set_of(w);
  TimestampNs newest = 0;
  for (const auto& it : items) {
    set.packet(it.meta, it.pkt);
    newest = std::max(newest, it.pkt.ts_ns);
  }
  set.batch_end(newest);
  auto& p = e.worker_processed[w];
  p.store(p.load(std::memory_order_relaxed) + items.size(), std::memory_order_relaxed);
}

void Engine::Impl::Handler::on_tick(std::size_t w, TimestampNs now) {
  set_of(w).tick(now);
  e.publish_thread_state(w, 0);
}

void Engine::Impl::Handler::on_stop(std::size_t w) {
  set_of(w).stop();
  e.publish_thread_state(w, 0);
}

}  // namespace riptide
