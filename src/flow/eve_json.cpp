#include "riptide/flow/eve_json.hpp"

#include <utility>

namespace riptide {

namespace {
constexpr std::size_t kBufSize = 64 * 1024;
}

EveJsonWriter::EveJsonWriter(std::unique_ptr<LineOutput> out)
    : out_(std::move(out)), buf_(std::make_unique<char[]>(kBufSize)) {}

Result<std::unique_ptr<EveJsonWriter>> EveJsonWriter::open(const std::string& path, const RotationPolicy& rotation) {
  auto out = LineOutput::open(path, "eve-json", rotation);
  if (!out) return out.error();
  return std::make_unique<EveJsonWriter>(std::move(*out));
}

EveJsonWriter::~EveJsonWriter() {
  drain();
  out_->close();
}

void EveJsonWriter::on_flow(const FlowRecord& rec) {
  ++records_;
  if (out_->error()) {
    out_->drop(1);
    return;
  }
  if (kBufSize - used_ < kMaxLine + 1) drain();
  used_ += format(rec, buf_.get() + used_, opts_);
  buf_[used_++] = '\n';
  ++buffered_records_;
}

void EveJsonWriter::set_options(const EveFormatOptions& opts) {
  iface_.assign(opts.in_iface.substr(0, EveFormatOptions::kMaxIfaceLen));
  opts_ = opts;
  opts_.in_iface = iface_;
}

void EveJsonWriter::drain() noexcept {
  // The buffer holds whole lines only: the output writes them whole or counts them.
  if (buffered_records_ > 0) out_->write_lines(buf_.get(), used_, buffered_records_);
  used_ = 0;
  buffered_records_ = 0;
}

Result<void> EveJsonWriter::flush() {
  drain();
  if (out_->error()) return *out_->error();
  return {};
}

}  // namespace riptide
