#pragma once
// The dispatch workers' side of the analyzers: each worker runs its own AnalyzerSet.
#include <vector>

#include "engine/engine_impl.hpp"
#include "riptide/dispatch/worker_handler.hpp"

namespace riptide {

struct Engine::Impl::Handler final : WorkerHandler {
  Impl& e;
  // The dispatcher has no start hook: each worker starts its analyzers on its own thread at
  // its first call, so on_start, timers and complete() all run on the thread of on_packets.
  std::vector<char> started;  // per worker, touched only by that worker's thread
  explicit Handler(Impl& impl) : e(impl), started(impl.sets.size(), 0) {}
  engine::AnalyzerSet& set_of(std::size_t w);
  void on_packets(std::size_t w, std::span<const PacketMeta> metas, std::span<const PacketView> pkts) override;
  void on_tick(std::size_t w, TimestampNs now) override;
  TimestampNs next_deadline(std::size_t w) override { return set_of(w).next_wall_deadline(); }
  void on_wake(std::size_t w) override { set_of(w).collect_offloaded(); }
  void on_stop(std::size_t w) override;
};

}  // namespace riptide
