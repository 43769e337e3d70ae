#include "riptide/transmit/tx_thread.hpp"
#include "riptide/core/thread_name.hpp"

#include <pthread.h>
#include <sched.h>
#include <time.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>
#include <system_error>

namespace riptide {

TxThread::TxThread(TxSocket sock, TxQueue& queue, TxThreadConfig cfg)
    : sock_(std::move(sock)), queue_(queue), cfg_(cfg) {
  batch_.resize(std::max<std::size_t>(sock_.config().batch, 1));
}

TxThread::~TxThread() { stop(); }

Result<std::size_t> TxThread::add_periodic(std::span<const std::uint8_t> frame, std::int64_t period_ns,
                                           std::int64_t first_deadline_ns) {
  if (running()) return make_error(Errc::invalid_argument, "add_periodic() after start()");
  if (period_ns <= 0) return make_error(Errc::invalid_argument, "periodic send needs a period > 0");
  if (frame.empty() || frame.size() > sock_.max_frame())
    return make_error(Errc::invalid_argument, "periodic frame of " + std::to_string(frame.size()) +
                                                  " bytes does not fit interface '" + sock_.iface() + "'");
  auto p = std::make_unique<Periodic>();
  p->frame.assign(frame.begin(), frame.end());
  p->period_ns = period_ns;
  p->next_ns = first_deadline_ns;
  periodic_.push_back(std::move(p));
  return periodic_.size() - 1;
}

Result<void> TxThread::start() {
  if (running()) return make_error(Errc::invalid_argument, "tx thread already running");
  const std::int64_t now = monotonic_ns();
  for (auto& p : periodic_)
    if (p->next_ns == 0) p->next_ns = now + p->period_ns;
  stop_.store(false);
  try {
    thread_ = std::thread([this] {
      name_this_thread("rt-tx");
      run();
    });
  } catch (const std::system_error& e) {
    return make_error(Errc::internal, std::string("cannot start the tx thread: ") + e.what());
  }
  return {};
}

void TxThread::stop() {
  if (!thread_.joinable()) return;
  stop_.store(true, std::memory_order_release);
  queue_.wake();
  thread_.join();
}

PeriodicStats TxThread::periodic_stats(std::size_t id) const {
  PeriodicStats s;
  if (id >= periodic_.size()) return s;
  const auto& p = *periodic_[id];
  s.sends = p.sends.load(std::memory_order_relaxed);
  s.missed = p.missed.load(std::memory_order_relaxed);
  s.max_late_ns = p.max_late.load(std::memory_order_relaxed);
  s.total_late_ns = p.total_late.load(std::memory_order_relaxed);
  return s;
}

bool TxThread::drain_once() {
  const std::size_t n = queue_.peek(batch_);
  if (n == 0) return false;
  (void)sock_.send_batch(std::span(batch_.data(), n));  // failures are in the socket's stats
  queue_.release(n);
  return true;
}

void TxThread::send_due(std::int64_t now) {
  std::size_t n = 0;
  for (auto& up : periodic_) {
    Periodic& p = *up;
    if (now < p.next_ns) continue;
    const std::int64_t late = now - p.next_ns;
    if (n == batch_.size()) {  // more due frames than a batch: send this batch first
      (void)sock_.send_batch(std::span(batch_.data(), n));
      n = 0;
    }
    batch_[n++] = p.frame;
    p.sends.fetch_add(1, std::memory_order_relaxed);
    p.total_late.fetch_add(late, std::memory_order_relaxed);
    if (late > p.max_late.load(std::memory_order_relaxed)) p.max_late.store(late, std::memory_order_relaxed);
    p.next_ns += p.period_ns;
    if (p.next_ns <= now) {
      const std::int64_t skipped = (now - p.next_ns) / p.period_ns + 1;
      p.missed.fetch_add(std::uint64_t(skipped), std::memory_order_relaxed);
      p.next_ns += skipped * p.period_ns;
    }
  }
  if (n) (void)sock_.send_batch(std::span(batch_.data(), n));
}

void TxThread::run() {
  if (cfg_.cpu >= 0) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cfg_.cpu, &set);
    (void)pthread_setaffinity_np(pthread_self(), sizeof set, &set);  // best effort
  }
  while (!stop_.load(std::memory_order_acquire)) {
    std::int64_t now = monotonic_ns();
    send_due(now);
    // Drain the queue, but give periodic deadlines a look between batches.
    bool busy = false;
    while (drain_once()) {
      busy = true;
      now = monotonic_ns();
      send_due(now);
      if (stop_.load(std::memory_order_relaxed)) break;
    }
    if (busy) continue;
    std::int64_t wake = now + cfg_.idle_poll_ns;
    for (const auto& p : periodic_) wake = std::min(wake, p->next_ns);
    // A queued frame or stop() ends the sleep early: no polling while there is nothing to do.
    if (wake > now) queue_.wait_until(wake);
  }
  while (drain_once()) {
  }
}

}  // namespace riptide
