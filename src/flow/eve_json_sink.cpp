#include "riptide/flow/eve_json_sink.hpp"

namespace riptide {

Result<std::unique_ptr<EveJsonSink>> EveJsonSink::open(const std::string& path, const RotationPolicy& rotation,
                                                      const EveFormatOptions& format) {
  auto w = EveJsonWriter::open(path, rotation);
  if (!w) return w.error();
  (*w)->set_options(format);
  return std::make_unique<EveJsonSink>(std::move(*w));
}

EveJsonSink::EveJsonSink(std::unique_ptr<EveJsonWriter> w) : w_(std::move(w)), target_(w_->output().target()) {}

void EveJsonSink::write(std::span<const FlowRecord> recs) noexcept {
  if (closed_) {
    dropped_.fetch_add(recs.size(), std::memory_order_relaxed);
    return;
  }
  for (const auto& r : recs) w_->on_flow(r);
  publish();
}

void EveJsonSink::tick(TimestampNs) noexcept {
  if (closed_) return;
  (void)w_->flush();
  publish();
}

void EveJsonSink::close() noexcept {
  if (closed_) return;
  // A failed last write or close stays in the writer's error and its dropped count.
  (void)w_->flush();
  w_->close();
  publish();
  closed_ = true;
}

void EveJsonSink::publish() noexcept {
  // Records still in the writer's buffer are neither written nor dropped yet: both figures
  // only grow, and add up to every record received once the buffer is flushed.
  written_.store(w_->written(), std::memory_order_relaxed);
  dropped_.store(w_->dropped(), std::memory_order_relaxed);
  if (!has_error_.load(std::memory_order_relaxed) && w_->error()) {
    std::lock_guard lk(err_mu_);
    error_ = w_->error()->message;
    has_error_.store(true, std::memory_order_release);
  }
}

SinkStatus EveJsonSink::status() const noexcept {
  SinkStatus s{written_.load(std::memory_order_relaxed), dropped_.load(std::memory_order_relaxed), {}};
  if (has_error_.load(std::memory_order_acquire)) {
    std::lock_guard lk(err_mu_);
    s.error = error_;
  }
  return s;
}

}  // namespace riptide
