#pragma once
// What AnalyzerContext::offload hands to the compute pool: the two-method task, and the
// adapter that turns a pair of callables (work, done) into one.
//
// Guarantees the engine gives every accepted task (offload returned true):
//  - work() runs on a compute-pool thread, never on the packet thread; it must not touch the
//    analyzer: capture what it needs by value (a snapshot), not `this`.
//  - done(result) then runs on the thread of the analyzer that offloaded it, like on_packet,
//    so it may touch the analyzer without locks. The finished task wakes that thread (an
//    eventfd or futex in its wait): done does not wait for the next batch or tick.
//  - every accepted task's done runs before that analyzer's on_stop; a done that offloads
//    again is waited for too.
//  - when work() throws, done is not called; the task counts as offload_failed and the
//    exception as one error of the analyzer.
// A refused task (offload returned false: queue full or no pool) is destroyed at once and
// counted as offload_refused. So every task ends in exactly one of: done ran, failed, refused.
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

namespace riptide {

// run() executes on a compute-pool thread; complete() then executes on the submitting
// analyzer's own thread (see the guarantees above).
class OffloadTask {
 public:
  virtual ~OffloadTask() = default;
  virtual void run() = 0;
  virtual void complete() = 0;
};

namespace detail {

template <class Work, class Done>
class FnTask final : public OffloadTask {
 public:
  using R = std::invoke_result_t<Work&>;
  FnTask(Work w, Done d) : work_(std::move(w)), done_(std::move(d)) {}
  void run() override {
    if constexpr (std::is_void_v<R>) {
      work_();
    } else {
      result_.emplace(work_());
    }
  }
  void complete() override {
    if constexpr (std::is_void_v<R>) {
      done_();
    } else {
      done_(std::move(*result_));
    }
  }

 private:
  Work work_;
  Done done_;
  struct Empty {};
  std::optional<std::conditional_t<std::is_void_v<R>, Empty, R>> result_;  // set by run()
};

}  // namespace detail

// Wraps work (R()) and done (void(R), or void() when R is void) into an OffloadTask.
template <class Work, class Done>
std::unique_ptr<OffloadTask> make_offload_task(Work work, Done done) {
  using R = std::invoke_result_t<Work&>;
  if constexpr (std::is_void_v<R>) {
    static_assert(std::is_invocable_v<Done&>, "done must be callable with no argument when work returns void");
  } else {
    static_assert(std::is_invocable_v<Done&, R&&>, "done must accept what work returns");
  }
  return std::make_unique<detail::FnTask<Work, Done>>(std::move(work), std::move(done));
}

}  // namespace riptide
