#include "riptide/transmit/tx_queue.hpp"

#include <algorithm>
#include <chrono>
#include <cstring>

namespace riptide {

TxQueue::TxQueue(std::size_t capacity, std::size_t slot_bytes)
    : capacity_(std::max<std::size_t>(capacity, 1)),
      slot_bytes_(std::clamp<std::size_t>(slot_bytes, 64, kMaxSlotBytes)),
      slots_(new std::uint8_t[capacity_ * slot_bytes_]),
      lens_(capacity_) {}

bool TxQueue::enqueue(std::span<const std::uint8_t> frame) {
  bool wake_consumer = false;
  {
    std::lock_guard<std::mutex> lk(mu_);
    if (frame.empty() || frame.size() > slot_bytes_) {
      ++stats_.refused_too_big;
      return false;
    }
    if (tail_ - head_ == capacity_) {
      ++stats_.refused_full;
      return false;
    }
    const std::size_t i = std::size_t(tail_ % capacity_);
    std::memcpy(slots_.get() + i * slot_bytes_, frame.data(), frame.size());
    lens_[i] = std::uint32_t(frame.size());
    ++tail_;
    ++stats_.enqueued;
    // Only the frame that ends an idle sleep pays for a wake-up; a consumer that is busy
    // sending finds the rest on its own.
    wake_consumer = consumer_waiting_;
    consumer_waiting_ = false;
  }
  if (wake_consumer) cv_.notify_one();
  return true;
}

void TxQueue::wait_until(std::int64_t deadline_ns) {
  // steady_clock is CLOCK_MONOTONIC on Linux, the clock the transmit thread's deadlines use.
  const std::chrono::steady_clock::time_point deadline{std::chrono::nanoseconds(deadline_ns)};
  std::unique_lock<std::mutex> lk(mu_);
  while (tail_ == head_ && !wake_pending_) {
    consumer_waiting_ = true;
    if (cv_.wait_until(lk, deadline) == std::cv_status::timeout) break;
  }
  consumer_waiting_ = false;
  wake_pending_ = false;
}

void TxQueue::wake() {
  {
    std::lock_guard<std::mutex> lk(mu_);
    wake_pending_ = true;
  }
  cv_.notify_one();
}

std::size_t TxQueue::peek(std::span<std::span<const std::uint8_t>> out) {
  std::lock_guard<std::mutex> lk(mu_);
  const std::size_t n = std::min<std::size_t>(out.size(), std::size_t(tail_ - head_));
  for (std::size_t k = 0; k < n; ++k) {
    const std::size_t i = std::size_t((head_ + k) % capacity_);
    out[k] = {slots_.get() + i * slot_bytes_, lens_[i]};
  }
  return n;
}

void TxQueue::release(std::size_t n) {
  std::lock_guard<std::mutex> lk(mu_);
  head_ += std::min<std::uint64_t>(n, tail_ - head_);
}

std::size_t TxQueue::size() const {
  std::lock_guard<std::mutex> lk(mu_);
  return std::size_t(tail_ - head_);
}

TxQueueStats TxQueue::stats() const {
  std::lock_guard<std::mutex> lk(mu_);
  return stats_;
}

}  // namespace riptide
