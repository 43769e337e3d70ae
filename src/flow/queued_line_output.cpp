#include "riptide/flow/queued_line_output.hpp"

#include <algorithm>
#include <system_error>

namespace riptide {

Result<std::unique_ptr<QueuedLineOutput>> QueuedLineOutput::open(const std::string& path, std::string what,
                                                                 std::size_t max_queued_lines,
                                                                 const RotationPolicy& rotation) {
  auto o = LineOutput::open(path, what, rotation);
  if (!o) return o.error();
  std::unique_ptr<QueuedLineOutput> q(new QueuedLineOutput(std::move(*o), std::max<std::size_t>(max_queued_lines, 1)));
  try {
    q->thread_ = std::thread([p = q.get()] { p->run(); });
  } catch (const std::system_error& e) {
    return Error{Errc::io, what + " output thread: " + e.what()};
  }
  return q;
}

QueuedLineOutput::QueuedLineOutput(std::unique_ptr<LineOutput> out, std::size_t max_lines)
    : max_lines_(max_lines), out_(std::move(out)) {
  queue_.reserve(max_lines_);
}

QueuedLineOutput::~QueuedLineOutput() { close(); }

bool QueuedLineOutput::push(std::string line) noexcept {
  {
    std::lock_guard lk(mu_);
    if (!stop_ && queue_.size() < max_lines_) {
      try {
        queue_.push_back(std::move(line));
        ++accepted_;
      } catch (...) {
        queue_full_.fetch_add(1, std::memory_order_relaxed);
        return false;
      }
      // Woken per record: records are rare (windows, summaries), so is this system call.
      cv_.notify_one();
      return true;
    }
  }
  queue_full_.fetch_add(1, std::memory_order_relaxed);
  return false;
}

void QueuedLineOutput::run() noexcept {
  std::vector<std::string> batch;
  for (;;) {
    bool stopping;
    {
      std::unique_lock lk(mu_);
      cv_.wait(lk, [this] { return stop_ || !queue_.empty(); });
      batch.swap(queue_);
      stopping = stop_;
    }
    const std::uint64_t n = batch.size();
    write_batch(batch);
    {
      std::lock_guard lk(mu_);
      handled_ += n;
    }
    done_cv_.notify_all();
    // stop_ was seen together with the last lines queued: nothing is left behind.
    if (stopping) break;
  }
  std::lock_guard lk(status_mu_);
  out_->close();
}

void QueuedLineOutput::write_batch(std::vector<std::string>& lines) noexcept {
  if (lines.empty()) return;
  const std::uint64_t n = lines.size();
  try {
    buf_.clear();
    for (const auto& l : lines) {
      buf_ += l;
      buf_ += '\n';
    }
  } catch (...) {
    write_dropped_.fetch_add(n, std::memory_order_relaxed);
    lines.clear();
    return;
  }
  lines.clear();
  // One write() for the batch: a reader sees whole lines. Under status_mu_ because rotation
  // changes the target and a failure sets the error; only report readers ever wait for it.
  std::lock_guard lk(status_mu_);
  const std::uint64_t ok = out_->write_lines(buf_.data(), buf_.size(), n);
  written_.fetch_add(ok, std::memory_order_relaxed);
  write_dropped_.fetch_add(n - ok, std::memory_order_relaxed);
}

void QueuedLineOutput::close() noexcept {
  {
    std::lock_guard lk(mu_);
    if (closed_) return;
    closed_ = true;
    stop_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void QueuedLineOutput::flush() {
  std::unique_lock lk(mu_);
  const std::uint64_t want = accepted_;
  done_cv_.wait(lk, [&] { return handled_ >= want; });
}

std::uint64_t QueuedLineOutput::queued_now() const {
  std::lock_guard lk(mu_);
  return queue_.size();
}

std::optional<Error> QueuedLineOutput::error() const {
  std::lock_guard lk(status_mu_);
  return out_->error();
}

std::string QueuedLineOutput::target() const {
  std::lock_guard lk(status_mu_);
  return out_->target();
}

int QueuedLineOutput::fd() const {
  std::lock_guard lk(status_mu_);
  return out_->fd();
}

}  // namespace riptide
