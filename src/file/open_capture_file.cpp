// Format detection: the first four bytes decide between pcap, pcapng and a clear refusal.
#include <cstdio>
#include <unistd.h>

#include "file/byte_order.hpp"
#include "file/file_bytes.hpp"
#include "file/pcap_reader.hpp"
#include "file/pcapng_reader.hpp"
#include "riptide/file/capture_file.hpp"

namespace riptide {
namespace {

using file_detail::FileBytes;

std::string hex32(std::uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%08x", v);
  return buf;
}

Result<std::unique_ptr<CaptureFile>> open_bytes(std::string name, FileBytes bytes) {
  const auto b = bytes.bytes();
  if (b.empty()) return make_error(Errc::format, name + ": empty file, not a pcap or pcapng capture");
  if (b.size() < 4) {
    return make_error(Errc::format, name + ": " + std::to_string(b.size()) + "-byte file, not a pcap or pcapng capture");
  }
  const std::uint32_t le = file_detail::u32(b.data(), false);
  const std::uint32_t be = __builtin_bswap32(le);
  for (std::uint32_t m : {le, be}) {
    if (m == file_detail::kPcapMagicMicro || m == file_detail::kPcapMagicNano) {
      return file_detail::open_pcap(std::move(name), std::move(bytes));
    }
  }
  // The section header type reads the same in both byte orders.
  if (le == file_detail::kPcapngSectionHeader) return file_detail::open_pcapng(std::move(name), std::move(bytes));
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
    auto r = FileBytes::read_all(STDIN_FILENO, "<stdin>");
    if (!r) return r.error();
    return open_bytes("<stdin>", std::move(r.value()));
  }
  auto r = FileBytes::open(path);
  if (!r) return r.error();
  return open_bytes(path, std::move(r.value()));
}

Result<std::unique_ptr<CaptureFile>> open_capture_buffer(std::string name, std::vector<std::uint8_t> bytes) {
  return open_bytes(std::move(name), FileBytes(std::move(bytes)));
}

}  // namespace riptide
