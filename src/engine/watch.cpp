// The main thread during a run: it sleeps on a futex word until it has something to do (a
// status line, a stats line, the end of --duration, a signal's request) or a capture thread
// ends. Polling instead costs a wake-up every few milliseconds for the whole run.
#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "engine/engine_impl.hpp"
#include "riptide/core/clock.hpp"
#include "riptide/core/futex.hpp"

namespace riptide {

namespace {
// After a second stop request, how long the threads get to finish before the run gives up on
// them: the process must end within 2 s of that request.
constexpr auto kForcedStopGrace = std::chrono::milliseconds(1500);
}  // namespace

bool Engine::Impl::watch() {
  using engine::Clock;
  auto last_status = Clock::now();
  auto last_json = Clock::now();
  RunReport prev = collect(false);
  // A file shows its progress only on a terminal: a line a second in a log is noise.
  const bool show_status = !cfg.quiet && (live() || ::isatty(STDERR_FILENO));
  const auto status_every = std::chrono::milliseconds(cfg.status_interval_ms);
  const bool json_lines = !cfg.stats_json_path.empty() && cfg.stats_json_interval_s > 0;
  const auto json_every = std::chrono::seconds(json_lines ? cfg.stats_json_interval_s : 1);
  const auto ends_at = started + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(cfg.duration_s));
  std::optional<Clock::time_point> forced_at;
  // The watchdog: an analyzer inside one call for longer than this is named on stderr (once
  // per stuck call) and again in the report if a forced stop has to give up on it.
  const auto stuck_after = std::chrono::milliseconds(cfg.watchdog_ms);
  std::vector<std::string> told;
  for (;;) {
    // Read before looking at the state: a wake-up after this point makes the wait return at once.
    const std::uint32_t seen = main_wake.load(std::memory_order_acquire);
    if (capture_running.load() == 0) return true;
    const auto now = Clock::now();
    const unsigned stops = stop_requests.load(std::memory_order_relaxed);
    if (stops >= 1) stopping.store(true);
    if (stops >= 2 && !forced_at) {
      forced_at = now;
      std::fprintf(stderr, "riptide: second stop request: ending within 2 s whatever is still running\n");
    }
    if (cfg.watchdog_ms > 0) {
      std::vector<std::string> stuck;
      for (const auto& set : sets) engine::find_stuck(*set, monotonic_ns(), stuck_after, stuck);
      for (const auto& l : stuck) {
        const std::string who = l.substr(0, l.find(" stuck"));
        if (std::find(told.begin(), told.end(), who) == told.end())
          std::fprintf(stderr, "riptide: watchdog: %s\n", l.c_str());
      }
      told.clear();
      for (const auto& l : stuck) told.push_back(l.substr(0, l.find(" stuck")));
    }
    if (forced_at && now - *forced_at >= kForcedStopGrace) {
      // Name what the run is giving up on: every analyzer still inside a call.
      std::vector<std::string> stuck;
      for (const auto& set : sets) engine::find_stuck(*set, monotonic_ns(), std::chrono::milliseconds(500), stuck);
      for (auto& l : stuck) add_error(std::move(l));
      return false;
    }
    if (cfg.duration_s > 0 && now >= ends_at) stopping.store(true);
    if (report_requested.exchange(false)) std::fputs(format_report(collect(false)).c_str(), stderr);
    // Sleep until the next thing to do; a second at most, as a safety net for a missed flag.
    auto next = now + std::chrono::seconds(1);
    if (cfg.watchdog_ms > 0) next = std::min(next, now + stuck_after);
    if (cfg.duration_s > 0 && !stopping.load(std::memory_order_relaxed)) next = std::min(next, ends_at);
    if (forced_at) next = std::min(next, *forced_at + kForcedStopGrace);
    if (show_status && now - last_status >= status_every) {
      auto cur = collect(false);
      const double dt = std::chrono::duration<double>(now - last_status).count();
      std::fprintf(stderr, "%s\n", format_status(cur, prev, dt).c_str());
      prev = std::move(cur);
      last_status = now;
    }
    if (json_lines && now - last_json >= json_every) {
      write_stats_line(collect(false));
      last_json = now;
    }
    if (show_status) next = std::min(next, last_status + status_every);
    if (json_lines) next = std::min(next, last_json + json_every);
    futex_wait_for(main_wake, seen, std::max<Clock::duration>(next - now, std::chrono::milliseconds(1)));
  }
}

}  // namespace riptide
