#pragma once
// What the pcap and pcapng readers share: the batch loop contract, a fault
// that is held back until the packets before it are delivered, and published counters.
#include <atomic>
#include <cstdint>
#include <optional>
#include <string>

#include "riptide/file/capture_file.hpp"

namespace riptide::file_detail {

class ReaderBase : public CaptureFile {
 public:
  ReaderBase(std::string name, FileFormat fmt);

  Result<PollStatus> next(PacketBatch& out, std::chrono::milliseconds timeout) override;
  void stop() noexcept override { stop_.store(true, std::memory_order_relaxed); }
  // A file admits nothing in the background: the next call ends the input.
  Result<void> quiesce() override {
    stop();
    return {};
  }
  void counters(std::vector<SourceCounter>& out) const override;
  SourceStats stats() const override;
  std::string describe() const override { return "file:" + name_; }
  FileFormat format() const override { return format_; }
  LinkType link_type() const override { return first_link_; }
  std::uint32_t snaplen() const override { return first_snaplen_; }
  const std::string& path() const override { return name_; }
  FileStats file_stats() const override;

 protected:
  // Appends packets to `out` until it is full, the input ends (sets at_end_) or a fault is
  // found (calls fail()). Never allocates except to build a fault's message.
  virtual void fill(PacketBatch& out) = 0;

  void fail(const std::string& what, std::uint64_t offset);
  void fail_with(Error e) { fault_ = std::move(e); }
  const std::optional<Error>& fault() const noexcept { return fault_; }

  std::size_t off_ = 0;  // file offset of the next record/block
  bool at_end_ = false;
  LinkType first_link_ = LinkType::ethernet;
  std::uint32_t first_snaplen_ = 0;
  // Counters the readers bump freely; next() publishes them once per batch.
  std::uint64_t oversized_ = 0;
  std::uint64_t skipped_ = 0;

 private:
  std::string name_;
  FileFormat format_;
  std::optional<Error> fault_;
  std::atomic<bool> stop_{false};
  // Published for stats() callers on other threads.
  std::atomic<std::uint64_t> pub_packets_{0};
  std::atomic<std::uint64_t> pub_wire_bytes_{0};
  std::atomic<std::uint64_t> pub_offset_{0};
  std::atomic<std::uint64_t> pub_oversized_{0};
  std::atomic<std::uint64_t> pub_skipped_{0};
};

}  // namespace riptide::file_detail
