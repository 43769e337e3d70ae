#include "riptide/flow/eve_json.hpp"

#include <cerrno>
#include <cstring>
#include <utility>

namespace riptide {

namespace {
constexpr std::size_t kBufSize = 64 * 1024;
}

EveJsonWriter::EveJsonWriter(std::FILE* out, std::string name) : EveJsonWriter(out, std::move(name), false) {}

EveJsonWriter::EveJsonWriter(std::FILE* out, std::string name, bool owned)
    : out_(out), name_(std::move(name)), owned_(owned), buf_(std::make_unique<char[]>(kBufSize)) {}

Result<std::unique_ptr<EveJsonWriter>> EveJsonWriter::open(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "w");
  if (f == nullptr) {
    const int err = errno;
    return make_error(err == EACCES ? Errc::permission : Errc::io,
                      "eve-json: cannot open " + path + ": " + std::strerror(err));
  }
  // We buffer ourselves; stdio buffering on top would only delay errors past our counts.
  std::setvbuf(f, nullptr, _IONBF, 0);
  return std::unique_ptr<EveJsonWriter>(new EveJsonWriter(f, path, true));
}

EveJsonWriter::~EveJsonWriter() {
  (void)flush();
  if (owned_ && std::fclose(out_) != 0 && !error_) fail(errno);
}

void EveJsonWriter::on_flow(const FlowRecord& rec) {
  ++records_;
  if (error_) {
    ++dropped_;
    return;
  }
  if (kBufSize - used_ < kMaxLine + 1 && !drain()) {
    ++dropped_;
    return;
  }
  used_ += format(rec, buf_.get() + used_);
  buf_[used_++] = '\n';
  ++buffered_records_;
}

bool EveJsonWriter::drain() {
  if (error_) return false;
  if (used_ > 0 && std::fwrite(buf_.get(), 1, used_, out_) != used_) {
    fail(errno);
    return false;
  }
  used_ = 0;
  unflushed_records_ += buffered_records_;
  buffered_records_ = 0;
  return true;
}

Result<void> EveJsonWriter::flush() {
  if (drain()) {
    if (std::fflush(out_) != 0) {
      fail(errno);
    } else {
      unflushed_records_ = 0;
    }
  }
  if (error_) return *error_;
  return {};
}

void EveJsonWriter::fail(int err) {
  // Whatever was in our buffer, or in the stream's since its last good fflush, is lost.
  dropped_ += buffered_records_ + unflushed_records_;
  buffered_records_ = 0;
  unflushed_records_ = 0;
  used_ = 0;
  error_ = make_error(Errc::io, "eve-json: write to " + name_ + " failed: " + std::strerror(err != 0 ? err : EIO) +
                                    "; further flow records are counted, not written");
  std::fprintf(stderr, "riptide: %s\n", error_->message.c_str());
}

}  // namespace riptide
