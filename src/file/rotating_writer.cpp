// A series of capture files under a RotationSchedule (-C/-G/-W), and open_packet_writer(),
// which picks one file or a series.
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>

#include "file/file_writer_base.hpp"
#include "riptide/core/clock.hpp"

namespace riptide {
namespace {

using file_detail::FileWriterBase;

class RotatingWriter final : public PacketWriter {
 public:
  RotatingWriter(std::string pattern, const PacketWriterOptions& o) : opt_(o), sched_(std::move(pattern), o.rotation) {}
  ~RotatingWriter() override { (void)close(); }

  Result<void> open_at(TimestampNs t) { return open_file(sched_.start(t)); }

  Result<void> write(const PacketView& pkt) override {
    if (ended_) {
      ++beyond_;
      return {};
    }
    if (closed_) return make_error(Errc::invalid_argument, "write after close");
    if (!cur_) {
      if (failed()) {
        ++dropped_;
        return {};
      }
      if (auto r = open_at(pkt.ts_ns); !r) {
        ++dropped_;
        return r;
      }
    }
    if (!cur_->failed()) {
      switch (sched_.decide(cur_->file_bytes(), cur_->record_size(pkt), cur_->file_packets(), pkt.ts_ns)) {
        case RotationSchedule::Step::same: break;
        case RotationSchedule::Step::end:
          ended_ = true;
          ++beyond_;
          return retire();
        case RotationSchedule::Step::next: {
          if (auto r = retire(); !r) {
            ++dropped_;
            return r;
          }
          if (auto r = open_file(sched_.next(pkt.ts_ns)); !r) {
            ++dropped_;
            return r;
          }
          break;
        }
      }
    }
    return cur_->write(pkt);
  }

  Result<void> flush() override { return cur_ ? cur_->flush() : Result<void>(); }

  Result<void> close() override {
    if (closed_) return {};
    auto r = retire();
    closed_ = true;
    return r;
  }

  Result<void> reopen() override { return cur_ ? cur_->reopen() : Result<void>(); }
  bool failed() const override { return error_.has_value() || (cur_ && cur_->failed()); }
  bool ended() const override { return ended_; }

  PacketWriterStats stats() const override {
    PacketWriterStats s = done_;
    if (cur_) {
      const auto c = cur_->stats();
      s.packets += c.packets;
      s.bytes += c.bytes;
      s.link_mismatch += c.link_mismatch;
      s.dropped_after_error += c.dropped_after_error;
      s.files += c.files;
    }
    s.dropped_after_error += dropped_;
    s.beyond_last_file = beyond_;
    return s;
  }

 private:
  Result<void> open_file(const std::string& name) {
    auto w = file_detail::open_format_file(name, opt_);
    if (!w) {
      error_ = w.error();
      return *error_;
    }
    cur_ = std::move(*w);
    return {};
  }

  // Closes the current file into the totals: a closed file is complete.
  Result<void> retire() {
    if (!cur_) return {};
    const bool was_failed = cur_->failed();
    auto r = cur_->close();
    const auto c = cur_->stats();
    done_.packets += c.packets;
    done_.bytes += c.bytes;
    done_.link_mismatch += c.link_mismatch;
    done_.dropped_after_error += c.dropped_after_error;
    done_.files += c.files;
    if (cur_->failed() && !error_) error_ = Error{Errc::io, "write failed"};
    cur_.reset();
    if (!r && !was_failed) return r;
    return {};
  }

  PacketWriterOptions opt_;
  RotationSchedule sched_;
  std::unique_ptr<FileWriterBase> cur_;
  PacketWriterStats done_;
  std::uint64_t beyond_ = 0, dropped_ = 0;
  std::optional<Error> error_;
  bool ended_ = false, closed_ = false;
};

}  // namespace

CaptureFormat format_for_path(const std::string& path) noexcept {
  constexpr std::string_view ext = ".pcapng";
  if (path.size() < ext.size()) return CaptureFormat::pcap;
  for (std::size_t i = 0; i < ext.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(path[path.size() - ext.size() + i])) != ext[i]) return CaptureFormat::pcap;
  return CaptureFormat::pcapng;
}

Result<std::unique_ptr<PacketWriter>> open_packet_writer(const std::string& path, const PacketWriterOptions& opt,
                                                         std::optional<TimestampNs> start_ns) {
  if (!opt.rotation.active()) {
    auto w = file_detail::open_format_file(path, opt);
    if (!w) return w.error();
    return std::unique_ptr<PacketWriter>(std::move(*w));
  }
  if (auto why = check_rotation(path, opt.rotation); !why.empty()) return make_error(Errc::invalid_argument, why);
  auto w = std::make_unique<RotatingWriter>(path, opt);
  if (opt.rotation.interval_s == 0 || start_ns) {
    if (auto r = w->open_at(start_ns.value_or(realtime_ns())); !r) return r.error();
  } else {
    // Named by the first packet's time: until then, check that its folder takes files.
    const auto slash = path.rfind('/');
    const std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
    if (dir.find('%') == std::string::npos && ::access(dir.c_str(), W_OK) != 0)
      return make_error(errno == ENOENT ? Errc::not_found : Errc::permission,
                        path + ": cannot create files in " + dir + ": " + std::strerror(errno));
  }
  return std::unique_ptr<PacketWriter>(std::move(w));
}

}  // namespace riptide
