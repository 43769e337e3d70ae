#include "engine/analyzer_set.hpp"

#include <cstdio>
#include <exception>

namespace riptide::engine {

bool ThreadContext::send(std::span<const std::uint8_t>) {
  // No transmit path is attached to this engine run: the frame is refused and counted.
  tx_refused_.fetch_add(1, std::memory_order_relaxed);
  return false;
}

void AnalyzerSet::add(std::unique_ptr<Analyzer> a, std::string name) {
  auto s = std::make_unique<Slot>();
  s->a = std::move(a);
  s->name = std::move(name);
  slots_.push_back(std::move(s));
}

void AnalyzerSet::fault(Slot& s, const char* where) noexcept {
  const auto n = s.errors.fetch_add(1, std::memory_order_relaxed) + 1;
  if (n == 1) {
    std::string what = "unknown exception";
    try {
      throw;
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    std::fprintf(stderr, "riptide: analyzer '%s' (thread %zu) threw in %s: %s\n", s.name.c_str(),
                 ctx_.thread_index(), where, what.c_str());
  }
  if (n >= limits_.max_errors && !s.disabled) {
    s.disabled = true;
    std::fprintf(stderr, "riptide: analyzer '%s' (thread %zu) disabled after %llu errors; capture goes on\n",
                 s.name.c_str(), ctx_.thread_index(), static_cast<unsigned long long>(n));
  }
}

void AnalyzerSet::start() noexcept {
  for (auto& sp : slots_) {
    try {
      sp->a->on_start(ctx_);
    } catch (...) {
      fault(*sp, "on_start");
    }
  }
}

void AnalyzerSet::batch_end(TimestampNs now) noexcept {
  for (auto& sp : slots_) {
    if (sp->disabled) continue;
    try {
      sp->a->on_batch_end(now);
    } catch (...) {
      fault(*sp, "on_batch_end");
    }
  }
}

void AnalyzerSet::tick(TimestampNs now) noexcept {
  for (auto& sp : slots_) {
    if (sp->disabled) continue;
    try {
      sp->a->on_tick(now);
    } catch (...) {
      fault(*sp, "on_tick");
    }
  }
}

void AnalyzerSet::stop() noexcept {
  // Even a disabled analyzer is stopped: it may hold output that must be flushed.
  for (auto& sp : slots_) {
    try {
      sp->a->on_stop();
    } catch (...) {
      fault(*sp, "on_stop");
    }
  }
}

}  // namespace riptide::engine
