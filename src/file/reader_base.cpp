#include "file/reader_base.hpp"

namespace riptide::file_detail {

ReaderBase::ReaderBase(std::string name, FileFormat fmt) : name_(std::move(name)), format_(fmt) {}

void ReaderBase::fail(const std::string& what, std::uint64_t offset) {
  fault_ = make_error(Errc::format, name_ + ": " + what + " at offset " + std::to_string(offset));
}

Result<PollStatus> ReaderBase::next(PacketBatch& out, std::chrono::milliseconds /*timeout*/) {
  out.clear();
  if (stop_.load(std::memory_order_relaxed)) return PollStatus::end_of_input;
  if (!fault_ && !at_end_) fill(out);

  std::uint64_t wire = 0;
  for (const PacketView& p : out) wire += p.wirelen;
  auto bump = [](std::atomic<std::uint64_t>& a, std::uint64_t v) {
    a.store(v, std::memory_order_relaxed);
  };
  bump(pub_packets_, pub_packets_.load(std::memory_order_relaxed) + out.size());
  bump(pub_wire_bytes_, pub_wire_bytes_.load(std::memory_order_relaxed) + wire);
  bump(pub_offset_, off_);
  bump(pub_oversized_, oversized_);
  bump(pub_skipped_, skipped_);

  // Packets found before a fault go out first; the fault is reported on the call after.
  if (!out.empty()) return PollStatus::packets;
  if (fault_) return *fault_;
  return PollStatus::end_of_input;
}

SourceStats ReaderBase::stats() const {
  SourceStats s;
  s.packets = pub_packets_.load(std::memory_order_relaxed);
  s.bytes = pub_wire_bytes_.load(std::memory_order_relaxed);
  return s;
}

void ReaderBase::counters(std::vector<SourceCounter>& out) const {
  out.push_back({"oversized_records", "records whose length exceeds the file's snaplen (kept)",
                 pub_oversized_.load(std::memory_order_relaxed), false,
                 "the file was written by a tool that ignores its own snaplen; the packets are kept"});
  out.push_back({"skipped_blocks", "pcapng blocks of a type riptide does not read",
                 pub_skipped_.load(std::memory_order_relaxed), false, ""});
}

FileStats ReaderBase::file_stats() const {
  FileStats s;
  s.records = pub_packets_.load(std::memory_order_relaxed);
  s.bytes_read = pub_offset_.load(std::memory_order_relaxed);
  s.oversized_records = pub_oversized_.load(std::memory_order_relaxed);
  s.skipped_blocks = pub_skipped_.load(std::memory_order_relaxed);
  return s;
}

}  // namespace riptide::file_detail
