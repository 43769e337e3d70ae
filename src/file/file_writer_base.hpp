#pragma once
// What the pcap and pcapng writers share: one RecordFile at a time (reopen() starts a new
// one under the same name), the snaplen cut, statistics summed over every file opened, and
// "one error, then count" after a failure. A format supplies its file header and its
// packet record.
#include <memory>
#include <optional>
#include <string>

#include "file/record_file.hpp"
#include "riptide/file/packet_writer.hpp"

namespace riptide::file_detail {

class FileWriterBase : public PacketWriter {
 public:
  Result<void> write(const PacketView& pkt) final;
  Result<void> flush() final;
  Result<void> close() final;
  Result<void> reopen() final;
  bool failed() const final { return error_.has_value(); }
  PacketWriterStats stats() const final;

  // Opens the first file and writes its header; "-" is standard output.
  Result<void> open_first(const std::string& path);
  std::uint64_t file_bytes() const noexcept { return file_ ? file_->bytes() : 0; }
  std::uint64_t file_packets() const noexcept { return file_ ? file_->packets() : 0; }
  // The bytes a packet's record takes in this format.
  virtual std::size_t record_size(const PacketView& pkt) const noexcept = 0;

 protected:
  explicit FileWriterBase(const PacketWriterOptions& o);
  // The file's opening records (pcap header; pcapng section header). Interface blocks are
  // the format's business, written before the packet that needs them.
  virtual void begin_file(RecordFile& f) = 0;
  // One packet of `caplen` (already cut) bytes; false when the file refused it.
  virtual bool put_packet(RecordFile& f, const PacketView& pkt, std::uint32_t caplen) = 0;
  // pcap: a packet whose link type differs is not written (counted).
  virtual bool accepts(const PacketView& pkt) const noexcept = 0;

  PacketWriterOptions opt_;

 private:
  Result<void> fail_from_file();
  void retire_file();

  std::string path_;
  std::unique_ptr<RecordFile> file_;
  PacketWriterStats done_;  // files closed so far
  std::uint64_t link_mismatch_ = 0, dropped_ = 0;
  std::optional<Error> error_;
  bool closed_ = false;
};

// One file of a format (no rotation). "-" is standard output.
Result<std::unique_ptr<FileWriterBase>> open_format_file(const std::string& path, const PacketWriterOptions& o);
std::unique_ptr<FileWriterBase> make_pcap_format(const PacketWriterOptions& o);
std::unique_ptr<FileWriterBase> make_pcapng_format(const PacketWriterOptions& o);

}  // namespace riptide::file_detail
