// Format detection: the first four bytes decide between pcap, pcapng and a clear refusal.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

#include "riptide/core/byte_order.hpp"
#include "file/byte_stream.hpp"
#include "file/pcap_reader.hpp"
#include "file/pcapng_reader.hpp"
#include "riptide/file/capture_file.hpp"

namespace riptide {
namespace {

using file_detail::ByteStream;

std::string hex32(std::uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%08x", v);
  return buf;
}

// Both formats are read front to back through the stream's window, whatever the input: a
// regular file, a pipe or bytes in memory.
Result<std::unique_ptr<CaptureFile>> open_stream(std::string name, ByteStream in) {
  if (auto r = in.fill_to(4); !r) return r.error();
  const std::uint8_t* b = in.data();
  if (in.avail() == 0) return make_error(Errc::format, name + ": empty file, not a pcap or pcapng capture");
  if (in.avail() < 4) {
    return make_error(Errc::format, name + ": " + std::to_string(in.avail()) + "-byte file, not a pcap or pcapng capture");
  }
  const std::uint32_t le = load_native<std::uint32_t>(b);
  const std::uint32_t be = byteswap<std::uint32_t>(le);
  for (std::uint32_t m : {le, be}) {
    if (m == file_detail::kPcapMagicMicro || m == file_detail::kPcapMagicNano) {
      return file_detail::open_pcap(std::move(name), std::move(in));
    }
  }
  // The section header type reads the same in both byte orders.
  if (le == file_detail::kPcapngSectionHeader) {
    return file_detail::open_pcapng(std::move(name), std::move(in));
  }
  if (b[0] == 0x28 && b[1] == 0xb5 && b[2] == 0x2f && b[3] == 0xfd) {
    return make_error(Errc::format, name + ": zstd-compressed file; decompress it first (zstd -d)");
  }
  if (b[0] == 0x1f && b[1] == 0x8b) {
    return make_error(Errc::format, name + ": gzip-compressed file; decompress it first (gunzip)");
  }
  return make_error(Errc::format, name + ": not a pcap or pcapng file (starts with 0x" + hex32(be) + ")");
}

}  // namespace

Result<std::unique_ptr<CaptureFile>> open_capture_file(const std::string& path) {
  if (path == "-") {
    // A descriptor of our own: the stream keeps reading the same input whatever later
    // becomes of descriptor 0.
    const int fd = ::fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 0);
    if (fd < 0) return make_error(Errc::io, std::string("<stdin>: cannot read: ") + std::strerror(errno));
    return open_stream("<stdin>", ByteStream(fd, true, "<stdin>"));
  }
  auto in = ByteStream::open(path);
  if (!in) return in.error();
  return open_stream(path, std::move(in.value()));
}

Result<std::unique_ptr<CaptureFile>> open_capture_buffer(std::string name, std::vector<std::uint8_t> bytes) {
  return open_stream(std::move(name), ByteStream(std::move(bytes)));
}

}  // namespace riptide
