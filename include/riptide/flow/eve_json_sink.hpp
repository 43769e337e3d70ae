#pragma once
// The EVE JSON file (or stdout) as a flow record sink: the first output of the flow output
// thread. Formatting and writing stay in EveJsonWriter and LineOutput; this adds what the
// sink contract asks: figures readable from any thread, a flush on every tick so records
// reach the file within about 100 ms, and the first error kept as one line.
#include <atomic>
#include <memory>
#include <mutex>
#include <string>

#include "riptide/core/result.hpp"
#include "riptide/flow/eve_json.hpp"
#include "riptide/flow/record_sink.hpp"

namespace riptide {

class EveJsonSink final : public FlowRecordSink {
 public:
  // Opens (creates or truncates) `path` now, "-" for stdout: a path that cannot be opened is
  // an error before any capture.
  // `rotation`: as LineOutput::open (--flows-rotate-mb/-s, --flows-files).
  // `format`: EVE strict by default; `extensions` adds riptide's own "riptide" object.
  static Result<std::unique_ptr<EveJsonSink>> open(const std::string& path, const RotationPolicy& rotation = {},
                                                   const EveFormatOptions& format = {});
  explicit EveJsonSink(std::unique_ptr<EveJsonWriter> w);

  std::string_view name() const noexcept override { return "flows"; }
  std::string target() const override { return target_; }
  void write(std::span<const FlowRecord> recs) noexcept override;
  void tick(TimestampNs now_ns) noexcept override;
  void close() noexcept override;
  SinkStatus status() const noexcept override;

 private:
  void publish() noexcept;  // the writer's figures -> the atomics other threads read
  std::unique_ptr<EveJsonWriter> w_;
  std::string target_;
  bool closed_ = false;
  std::atomic<std::uint64_t> written_{0}, dropped_{0};
  mutable std::mutex err_mu_;  // only taken when an error is set or read
  std::string error_;
  std::atomic<bool> has_error_{false};
};

}  // namespace riptide
