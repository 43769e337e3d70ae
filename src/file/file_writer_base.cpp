#include "file/file_writer_base.hpp"

namespace riptide::file_detail {

FileWriterBase::FileWriterBase(const PacketWriterOptions& o) : opt_(o) {
  if (opt_.snaplen == 0 || opt_.snaplen > kMaxSnaplen) opt_.snaplen = kMaxSnaplen;
}

Result<void> FileWriterBase::open_first(const std::string& path) {
  path_ = path;
  auto f = RecordFile::open(path);
  if (!f) return f.error();
  file_ = std::move(*f);
  ++done_.files;
  begin_file(*file_);
  if (file_->failed()) return fail_from_file();
  return {};
}

Result<void> FileWriterBase::fail_from_file() {
  if (!error_) error_ = file_->error().value_or(Error{Errc::io, path_ + ": write failed"});
  return *error_;
}

Result<void> FileWriterBase::write(const PacketView& pkt) {
  if (failed()) {
    ++dropped_;
    return {};
  }
  if (closed_ || !file_) return make_error(Errc::invalid_argument, path_ + ": write after close");
  if (!accepts(pkt)) {
    ++link_mismatch_;
    return {};
  }
  const std::uint32_t caplen = pkt.caplen < opt_.snaplen ? pkt.caplen : opt_.snaplen;
  if (!put_packet(*file_, pkt, caplen)) {
    ++dropped_;  // this packet is lost to the same failure
    return fail_from_file();
  }
  return {};
}

Result<void> FileWriterBase::flush() {
  if (failed() || closed_ || !file_) return {};
  if (auto r = file_->flush(); !r) return fail_from_file();
  return {};
}

void FileWriterBase::retire_file() {
  done_.packets += file_->packets();
  done_.bytes += file_->bytes();
  dropped_ += file_->lost_packets();
  file_.reset();
}

Result<void> FileWriterBase::close() {
  if (closed_) return {};
  closed_ = true;
  if (!file_) return {};
  const bool was_failed = failed();
  auto r = file_->close();
  if (!r && !was_failed) (void)fail_from_file();
  retire_file();
  if (!r && !was_failed) return *error_;
  return {};
}

Result<void> FileWriterBase::reopen() {
  if (closed_ || !file_ || path_ == "-") return {};
  const bool was_failed = failed();
  auto r = file_->close();
  if (!r && !was_failed) (void)fail_from_file();
  retire_file();
  if (failed()) return was_failed ? Result<void>() : Result<void>(*error_);
  auto f = RecordFile::open(path_);
  if (!f) {
    error_ = f.error();
    return *error_;
  }
  file_ = std::move(*f);
  ++done_.files;
  begin_file(*file_);
  if (file_->failed()) return fail_from_file();
  return {};
}

PacketWriterStats FileWriterBase::stats() const {
  PacketWriterStats s = done_;
  if (file_) {
    s.packets += file_->packets();
    s.bytes += file_->bytes();
  }
  s.link_mismatch = link_mismatch_;
  s.dropped_after_error = dropped_ + (file_ ? file_->lost_packets() : 0);
  return s;
}

Result<std::unique_ptr<FileWriterBase>> open_format_file(const std::string& path, const PacketWriterOptions& o) {
  auto w = o.format == CaptureFormat::pcapng ? make_pcapng_format(o) : make_pcap_format(o);
  if (auto r = w->open_first(path); !r) return r.error();
  return w;
}

}  // namespace riptide::file_detail
