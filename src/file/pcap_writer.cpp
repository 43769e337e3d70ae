#include "riptide/file/pcap_writer.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <optional>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

#include "riptide/core/byte_order.hpp"
#include "riptide/core/fd.hpp"

namespace riptide {
namespace {

constexpr std::size_t kBufferBytes = 1 << 20;
constexpr std::size_t kFileHeader = 24;
constexpr std::size_t kRecordHeader = 16;
constexpr std::uint32_t kDefaultSnaplen = 262144;

// Host order throughout, as the magic says.
void put32(std::uint8_t* p, std::uint32_t v) noexcept { store_native(p, v); }
void put16(std::uint8_t* p, std::uint16_t v) noexcept { store_native(p, v); }

class FilePcapWriter final : public PcapWriter {
 public:
  FilePcapWriter(std::string path, int fd, bool owns_fd, bool regular, LinkType link, std::uint32_t snaplen, bool nano)
      : path_(std::move(path)), fd_(fd), owned_fd_(owns_fd ? fd : -1), regular_(regular), link_(link),
        snaplen_(snaplen == 0 ? kDefaultSnaplen : snaplen), nano_(nano), buf_(kBufferBytes) {
    std::uint8_t* h = buf_.data();
    put32(h, nano_ ? 0xa1b23c4d : 0xa1b2c3d4);
    put16(h + 4, 2);
    put16(h + 6, 4);
    put32(h + 8, 0);   // thiszone
    put32(h + 12, 0);  // sigfigs
    put32(h + 16, snaplen_);
    put32(h + 20, static_cast<std::uint16_t>(link_));
    used_ = kFileHeader;
    header_buffered_ = true;
    stats_.bytes = kFileHeader;
  }

  ~FilePcapWriter() override { (void)close(); }

  Result<void> write(const PacketView& pkt) override {
    if (failed()) {
      ++stats_.dropped_after_error;
      return {};
    }
    if (closed_) return make_error(Errc::invalid_argument, path_ + ": write after close");
    if (pkt.link != link_) {
      ++stats_.link_mismatch;
      return {};
    }
    const std::uint32_t caplen = pkt.caplen < snaplen_ ? pkt.caplen : snaplen_;
    const std::size_t rec = kRecordHeader + caplen;
    if (used_ + rec > buf_.size()) {
      if (auto r = flush_buffer(); !r) {
        ++stats_.dropped_after_error;  // this packet is lost to the same failure
        return r;
      }
    }
    std::uint8_t* h = buf_.data() + used_;
    // Floor division so that pre-1970 timestamps keep a fraction in [0, 1 s).
    std::int64_t sec = pkt.ts_ns / 1000000000;
    std::int64_t frac = pkt.ts_ns % 1000000000;
    if (frac < 0) {
      frac += 1000000000;
      --sec;
    }
    put32(h, static_cast<std::uint32_t>(sec));
    put32(h + 4, static_cast<std::uint32_t>(nano_ ? frac : frac / 1000));
    put32(h + 8, caplen);
    put32(h + 12, pkt.wirelen);
    if (caplen != 0) std::memcpy(h + kRecordHeader, pkt.data, caplen);
    used_ += rec;
    ++buffered_records_;
    ++stats_.packets;
    stats_.bytes += rec;
    return {};
  }

  Result<void> flush() override {
    if (failed() || closed_) return {};
    return flush_buffer();
  }

  Result<void> close() override {
    if (closed_) return {};
    Result<void> r = failed() ? Result<void>() : flush_buffer();
    closed_ = true;
    if (auto c = owned_fd_.close(); !c && r.ok() && !failed()) {
      r = record_failure(make_error(Errc::io, path_ + ": close failed: " + c.error().message));
    }
    fd_ = -1;
    return r;
  }

  bool failed() const override { return error_.has_value(); }
  PcapWriterStats stats() const override { return stats_; }

 private:
  Result<void> record_failure(Error e) {
    error_ = e;
    return e;
  }

  Result<void> flush_buffer() {
    std::size_t done = 0;
    if (auto r = write_all(fd_, {buf_.data(), used_}, &done); !r) return fail_after(done, r.error().message);
    file_bytes_ += used_;
    used_ = 0;
    buffered_records_ = 0;
    header_buffered_ = false;
    return {};
  }

  // `done` bytes of the buffer reached the file before the error: cut the file back to the
  // last record boundary inside them so that the file stays a valid capture.
  Result<void> fail_after(std::size_t done, const std::string& why) {
    std::size_t keep = 0;
    std::uint64_t kept_records = 0;
    std::size_t pos = 0;
    if (header_buffered_) pos = done >= kFileHeader ? kFileHeader : 0;
    if (!header_buffered_ || pos == kFileHeader) {
      keep = pos;
      while (pos + kRecordHeader <= done) {
        std::uint32_t caplen = 0;
        std::memcpy(&caplen, buf_.data() + pos + 8, 4);
        if (pos + kRecordHeader + caplen > done) break;
        pos += kRecordHeader + caplen;
        keep = pos;
        ++kept_records;
      }
    }
    const std::uint64_t lost = buffered_records_ - kept_records;
    stats_.packets -= lost;
    stats_.dropped_after_error += lost;
    const std::uint64_t size = file_bytes_ + keep;
    stats_.bytes = size;
    std::string msg = path_ + ": write failed: " + why + "; ";
    if (regular_) {
      if (ftruncate(fd_, static_cast<off_t>(size)) == 0) {
        msg += "file cut back to " + std::to_string(size) + " bytes, " + std::to_string(stats_.packets) +
               " complete records";
      } else {
        msg += "could not cut the file back to " + std::to_string(size) + " bytes: " + std::strerror(errno);
      }
    } else {
      msg += std::to_string(stats_.packets) + " complete records written";
    }
    used_ = 0;
    buffered_records_ = 0;
    return record_failure(make_error(Errc::io, std::move(msg)));
  }

  std::string path_;
  int fd_;
  UniqueFd owned_fd_;  // fd_ when this writer opened it (not for stdout)
  bool regular_;
  LinkType link_;
  std::uint32_t snaplen_;
  bool nano_;
  std::vector<std::uint8_t> buf_;
  std::size_t used_ = 0;
  bool header_buffered_ = false;
  std::uint64_t buffered_records_ = 0;
  std::uint64_t file_bytes_ = 0;  // bytes known to be in the file
  bool closed_ = false;
  std::optional<Error> error_;
  PcapWriterStats stats_;
};

}  // namespace

Result<std::unique_ptr<PcapWriter>> PcapWriter::open(const std::string& path, LinkType link, std::uint32_t snaplen,
                                                     bool nanosecond) {
  if (snaplen > kDefaultSnaplen) {
    return make_error(Errc::invalid_argument, path + ": snaplen " + std::to_string(snaplen) + " above the maximum " +
                                                  std::to_string(kDefaultSnaplen));
  }
  int fd = STDOUT_FILENO;
  bool owns = false;
  bool regular = false;
  if (path != "-") {
    fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
      const int e = errno;
      const Errc c = e == EACCES || e == EPERM ? Errc::permission : e == ENOENT ? Errc::not_found : Errc::io;
      return make_error(c, path + ": cannot create: " + std::strerror(e));
    }
    owns = true;
    struct stat st {};
    regular = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
  }
  return std::unique_ptr<PcapWriter>(
      std::make_unique<FilePcapWriter>(path == "-" ? std::string("<stdout>") : path, fd, owns, regular, link, snaplen,
                                       nanosecond));
}

}  // namespace riptide
