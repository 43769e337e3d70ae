#include "riptide/analyze/offload_pool.hpp"

#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "riptide/core/thread_name.hpp"

#include <algorithm>
#include <system_error>

#include "riptide/core/clock.hpp"

namespace riptide {

Result<std::unique_ptr<OffloadPool>> OffloadPool::create(const OffloadConfig& cfg, std::size_t owners) {
  if (cfg.threads > 256) return make_error(Errc::invalid_argument, "offload threads must be at most 256");
  if (cfg.queue_capacity == 0 || cfg.queue_capacity > (1u << 20))
    return make_error(Errc::invalid_argument, "offload queue must hold between 1 and 1048576 tasks");
  if (cfg.nice < 0 || cfg.nice > 19) return make_error(Errc::invalid_argument, "offload nice value must be 0..19");
  const long ncpu = ::sysconf(_SC_NPROCESSORS_CONF);
  for (int c : cfg.cpus)
    if (c < 0 || c >= CPU_SETSIZE || (ncpu > 0 && c >= ncpu)) return make_error(Errc::invalid_argument, "offload CPU " + std::to_string(c) + " does not exist");
  std::unique_ptr<OffloadPool> p(new OffloadPool(cfg, owners));
  try {
    for (unsigned i = 0; i < cfg.threads; ++i) p->threads_.emplace_back([q = p.get()] {
      name_this_thread("rt-offload");
      q->run_thread();
    });
  } catch (const std::system_error& e) {
    p->stop();
    return make_error(Errc::io, std::string("cannot start an offload thread: ") + e.what());
  }
  return p;
}

OffloadPool::OffloadPool(const OffloadConfig& cfg, std::size_t owners) : cfg_(cfg), ring_(cfg.queue_capacity) {
  for (std::size_t i = 0; i < owners; ++i) owners_.push_back(std::make_unique<Owner>());
}

OffloadPool::~OffloadPool() { stop(); }

bool OffloadPool::submit(std::size_t owner, std::uint32_t tag, std::unique_ptr<OffloadTask> task) noexcept {
  if (!task) return false;
  if (owner >= owners_.size() || threads_.empty()) {
    refused_.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  {
    std::lock_guard lk(mu_);
    if (stopping_ || count_ == ring_.size()) {
      refused_.fetch_add(1, std::memory_order_relaxed);
      return false;  // `task` is destroyed on return, as the API promises
    }
    Job& j = ring_[(head_ + count_) % ring_.size()];
    j.task = std::move(task);
    j.owner = static_cast<std::uint32_t>(owner);
    j.tag = tag;
    j.submitted_ns = monotonic_ns();
    j.run_error = nullptr;
    ++count_;
    owners_[owner]->outstanding.fetch_add(1, std::memory_order_relaxed);
  }
  submitted_.fetch_add(1, std::memory_order_relaxed);
  cv_.notify_one();
  return true;
}

// On the pool thread itself: its CPUs, SCHED_BATCH, its nice value (per thread on Linux).
void OffloadPool::place_thread() noexcept {
  bool ok = true;
  if (!cfg_.cpus.empty()) {
    cpu_set_t set;
    CPU_ZERO(&set);
    for (int c : cfg_.cpus) CPU_SET(c, &set);
    ok &= pthread_setaffinity_np(pthread_self(), sizeof set, &set) == 0;
  }
  if (cfg_.batch) {
    sched_param p{};
    ok &= pthread_setschedparam(pthread_self(), SCHED_BATCH, &p) == 0;
  }
  if (cfg_.nice != 0) ok &= setpriority(PRIO_PROCESS, static_cast<id_t>(::syscall(SYS_gettid)), cfg_.nice) == 0;
  if (!ok) placement_failed_.fetch_add(1, std::memory_order_relaxed);
}

void OffloadPool::run_thread() {
  place_thread();
  for (;;) {
    Job j;
    {
      std::unique_lock lk(mu_);
      cv_.wait(lk, [&] { return stopping_ || count_ != 0; });
      if (count_ == 0) return;  // stopping and nothing left
      j = std::move(ring_[head_]);
      head_ = (head_ + 1) % ring_.size();
      --count_;
    }
    try {
      j.task->run();
    } catch (...) {
      j.run_error = std::current_exception();
      failed_.fetch_add(1, std::memory_order_relaxed);
    }
    Owner& o = *owners_[j.owner];
    {
      std::lock_guard lk(o.mu);
      o.done.push_back(std::move(j));
      o.ready.fetch_add(1, std::memory_order_release);
    }
    o.cv.notify_all();
    if (o.waker) o.waker();
  }
}

void OffloadPool::set_waker(std::size_t owner, std::function<void()> fn) {
  if (owner < owners_.size()) owners_[owner]->waker = std::move(fn);
}

std::size_t OffloadPool::collect(std::size_t owner, std::vector<OffloadDone>& out) {
  if (owner >= owners_.size()) return 0;
  Owner& o = *owners_[owner];
  if (o.ready.load(std::memory_order_acquire) == 0) return 0;
  std::size_t n = 0;
  const std::int64_t now = monotonic_ns();
  std::int64_t worst = 0;
  {
    std::lock_guard lk(o.mu);
    for (auto& j : o.done) {
      worst = std::max(worst, now - j.submitted_ns);
      out.push_back(OffloadDone{std::move(j.task), j.tag, std::move(j.run_error)});
      ++n;
    }
    o.done.clear();  // keeps its capacity: no allocation once warmed up
    o.ready.store(0, std::memory_order_relaxed);
  }
  o.outstanding.fetch_sub(n, std::memory_order_relaxed);
  completed_.fetch_add(n, std::memory_order_relaxed);
  std::int64_t cur = max_latency_ns_.load(std::memory_order_relaxed);
  while (worst > cur && !max_latency_ns_.compare_exchange_weak(cur, worst, std::memory_order_relaxed)) {
  }
  return n;
}

bool OffloadPool::busy(std::size_t owner) const noexcept {
  return owner < owners_.size() && owners_[owner]->outstanding.load(std::memory_order_relaxed) != 0;
}

void OffloadPool::wait_idle(std::size_t owner) {
  if (owner >= owners_.size()) return;
  Owner& o = *owners_[owner];
  std::unique_lock lk(o.mu);
  // Everything submitted is either finished (in `done`) or still to finish; the threads keep
  // running until stop(), so this wait ends.
  o.cv.wait(lk, [&] { return o.ready.load(std::memory_order_relaxed) >= o.outstanding.load(std::memory_order_relaxed); });
}

void OffloadPool::stop() {
  {
    std::lock_guard lk(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
}

OffloadStats OffloadPool::stats() const noexcept {
  OffloadStats s;
  s.submitted = submitted_.load(std::memory_order_relaxed);
  s.refused = refused_.load(std::memory_order_relaxed);
  s.completed = completed_.load(std::memory_order_relaxed);
  s.failed = failed_.load(std::memory_order_relaxed);
  s.max_latency_ns = max_latency_ns_.load(std::memory_order_relaxed);
  s.placement_failed = placement_failed_.load(std::memory_order_relaxed);
  return s;
}

}  // namespace riptide
