// Producer -> consumer hand-off throughput: SpscRing against the usual alternatives.
// The producer is the benchmark thread pinned to CPU 0, the consumer a thread pinned to CPU 1
// (on a machine with one CPU both run on CPU 0 and the figures mean little). Every item
// carries a sequence number that the consumer checks; "errors" must stay 0.
//
//   build-dir/bench_spsc_ring --benchmark_min_time=1

// GCC 12 reports a bogus -Wstringop-overflow inside <atomic> when it inlines
// moodycamel::ConcurrentQueue::enqueue_bulk; the warning is located in the standard header, so
// it must be silenced before anything includes it.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wstringop-overflow"
#endif

#include <benchmark/benchmark.h>
#include <pthread.h>
#include <sched.h>

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <thread>

#include <concurrentqueue/concurrentqueue.h>
#if __has_include(<readerwriterqueue/readerwriterqueue.h>)
#include <readerwriterqueue/readerwriterqueue.h>
#define RIPTIDE_HAVE_RWQUEUE 1
#endif

#include "riptide/dispatch/spsc_ring.hpp"

namespace {

using riptide::SpscRing;

constexpr std::size_t kQueueCapacity = 8192;
constexpr std::uint64_t kItemsPerIteration = 1 << 20;

struct Item64 {
  std::uint64_t w[8];
};
static_assert(sizeof(Item64) == 64);

template <class T>
T make_item(std::uint64_t seq) {
  if constexpr (std::is_same_v<T, std::uint64_t>) {
    return seq;
  } else {
    T t;
    for (auto& x : t.w) x = seq;
    return t;
  }
}
template <class T>
std::uint64_t seq_of(const T& t) {
  if constexpr (std::is_same_v<T, std::uint64_t>) {
    return t;
  } else {
    return t.w[0] ^ t.w[7] ^ t.w[3];  // == w[0] when all words are equal
  }
}

void pin(pthread_t t, int cpu) {
  const int n = static_cast<int>(std::thread::hardware_concurrency());
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(n > cpu ? cpu : 0, &set);
  pthread_setaffinity_np(t, sizeof(set), &set);
}

inline void relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

// ---- adapters: each moves up to B items per call on each side ----

template <class T, std::size_t B>
struct RingCopy {  // try_push/try_pop for B == 1, push_batch/pop_batch otherwise
  SpscRing<T> q{kQueueCapacity};
  std::array<T, B> buf{};
  std::size_t produce(std::uint64_t seq, std::size_t n) {
    if constexpr (B == 1) {
      return q.try_push(make_item<T>(seq)) ? 1 : 0;
    } else {
      for (std::size_t i = 0; i < n; ++i) buf[i] = make_item<T>(seq + i);
      std::size_t done = 0;
      while (done < n) {
        const std::size_t k = q.push_batch(std::span<const T>(buf.data() + done, n - done));
        if (k == 0) relax();
        done += k;
      }
      return n;
    }
  }
  template <class F>
  std::size_t consume(F&& check) {
    if constexpr (B == 1) {
      T t;
      if (!q.try_pop(t)) return 0;
      check(t);
      return 1;
    } else {
      std::array<T, B> out;
      const std::size_t n = q.pop_batch(out);
      for (std::size_t i = 0; i < n; ++i) check(out[i]);
      return n;
    }
  }
};

template <class T, std::size_t B>
struct RingZeroCopy {  // reserve/commit on the producer, peek/release on the consumer
  SpscRing<T> q{kQueueCapacity};
  std::size_t produce(std::uint64_t seq, std::size_t n) {
    std::span<T> a = q.reserve(n);
    std::span<T> b = q.reserve(n - a.size());
    for (std::size_t i = 0; i < a.size(); ++i) a[i] = make_item<T>(seq + i);
    for (std::size_t i = 0; i < b.size(); ++i) b[i] = make_item<T>(seq + a.size() + i);
    q.commit(a.size() + b.size());
    return a.size() + b.size();
  }
  template <class F>
  std::size_t consume(F&& check) {
    std::span<T> s = q.peek(B);
    for (const T& t : s) check(t);
    q.release(s.size());
    return s.size();
  }
};

template <class T, std::size_t B>
struct MutexQueue {  // the textbook queue: a deque, a mutex and a condition variable
  std::mutex m;
  std::condition_variable cv;
  std::deque<T> d;
  std::size_t produce(std::uint64_t seq, std::size_t) {
    {
      std::lock_guard<std::mutex> g(m);
      d.push_back(make_item<T>(seq));
    }
    cv.notify_one();
    return 1;
  }
  template <class F>
  std::size_t consume(F&& check) {
    std::unique_lock<std::mutex> g(m);
    if (!cv.wait_for(g, std::chrono::milliseconds(1), [&] { return !d.empty(); })) return 0;
    T t = d.front();
    d.pop_front();
    g.unlock();
    check(t);
    return 1;
  }
};

#ifdef RIPTIDE_HAVE_RWQUEUE
template <class T, std::size_t B>
struct RwQueue {  // moodycamel::ReaderWriterQueue, bounded (try_enqueue never allocates)
  moodycamel::ReaderWriterQueue<T> q{kQueueCapacity};
  std::size_t produce(std::uint64_t seq, std::size_t) { return q.try_enqueue(make_item<T>(seq)) ? 1 : 0; }
  template <class F>
  std::size_t consume(F&& check) {
    T t;
    if (!q.try_dequeue(t)) return 0;
    check(t);
    return 1;
  }
};
#endif

template <class T, std::size_t B>
struct MpmcQueue {  // moodycamel::ConcurrentQueue with tokens; bulk calls when B > 1
  moodycamel::ConcurrentQueue<T> q{kQueueCapacity};
  moodycamel::ProducerToken ptok{q};
  moodycamel::ConsumerToken ctok{q};
  std::array<T, B> buf{};
  std::size_t produce(std::uint64_t seq, std::size_t n) {
    if constexpr (B == 1) {
      return q.try_enqueue(ptok, make_item<T>(seq)) ? 1 : 0;
    } else {
      for (std::size_t i = 0; i < n; ++i) buf[i] = make_item<T>(seq + i);
      return q.try_enqueue_bulk(ptok, buf.data(), n) ? n : 0;
    }
  }
  template <class F>
  std::size_t consume(F&& check) {
    if constexpr (B == 1) {
      T t;
      if (!q.try_dequeue(ctok, t)) return 0;
      check(t);
      return 1;
    } else {
      std::array<T, B> out;
      const std::size_t n = q.try_dequeue_bulk(ctok, out.data(), B);
      for (std::size_t i = 0; i < n; ++i) check(out[i]);
      return n;
    }
  }
};

// ---- the harness ----

template <template <class, std::size_t> class Q, class T, std::size_t B>
void BM_Handoff(benchmark::State& state) {
  pin(pthread_self(), 0);
  auto q = std::make_unique<Q<T, B>>();
  alignas(64) std::atomic<std::uint64_t> consumed{0};
  alignas(64) std::atomic<bool> done{false};
  std::uint64_t errors = 0;

  std::thread consumer([&] {
    std::uint64_t expect = 0;
    auto check = [&](const T& t) {
      if (seq_of(t) != expect) ++errors;
      ++expect;
    };
    for (;;) {
      if (q->consume(check) != 0) {
        consumed.store(expect, std::memory_order_release);
        continue;
      }
      if (done.load(std::memory_order_acquire)) break;
      relax();
    }
  });
  // Moved from here rather than by itself: under a real-time policy a new thread left on the
  // producer's CPU would never run.
  pin(consumer.native_handle(), 1);

  std::uint64_t seq = 0;
  for (auto _ : state) {
    const std::uint64_t end = seq + kItemsPerIteration;
    while (seq < end) {
      const std::size_t want = end - seq < B ? static_cast<std::size_t>(end - seq) : B;
      const std::size_t n = q->produce(seq, want);
      if (n == 0) relax();
      seq += n;
    }
    while (consumed.load(std::memory_order_acquire) < seq) relax();
  }
  done.store(true, std::memory_order_release);
  consumer.join();
  state.SetItemsProcessed(static_cast<std::int64_t>(seq));
  state.SetBytesProcessed(static_cast<std::int64_t>(seq * sizeof(T)));
  state.counters["errors"] = static_cast<double>(errors);
}

#define HANDOFF(Q, T, B) BENCHMARK_TEMPLATE(BM_Handoff, Q, T, B)->UseRealTime()->Unit(benchmark::kMillisecond)

HANDOFF(RingCopy, std::uint64_t, 1);
HANDOFF(RingCopy, std::uint64_t, 32);
HANDOFF(RingCopy, std::uint64_t, 256);
HANDOFF(RingZeroCopy, std::uint64_t, 32);
HANDOFF(RingZeroCopy, std::uint64_t, 256);
HANDOFF(MutexQueue, std::uint64_t, 1);
#ifdef RIPTIDE_HAVE_RWQUEUE
HANDOFF(RwQueue, std::uint64_t, 1);
#endif
HANDOFF(MpmcQueue, std::uint64_t, 1);
HANDOFF(MpmcQueue, std::uint64_t, 256);

HANDOFF(RingCopy, Item64, 1);
HANDOFF(RingCopy, Item64, 32);
HANDOFF(RingCopy, Item64, 256);
HANDOFF(RingZeroCopy, Item64, 32);
HANDOFF(RingZeroCopy, Item64, 256);
HANDOFF(MutexQueue, Item64, 1);
#ifdef RIPTIDE_HAVE_RWQUEUE
HANDOFF(RwQueue, Item64, 1);
#endif
HANDOFF(MpmcQueue, Item64, 1);
HANDOFF(MpmcQueue, Item64, 256);

}  // namespace

BENCHMARK_MAIN();
