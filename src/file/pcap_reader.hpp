#pragma once
// Classic pcap: a 24-byte file header, then 16-byte record headers each followed by data.
#include <memory>

#include "file/byte_stream.hpp"
#include "file/reader_base.hpp"

namespace riptide::file_detail {

inline constexpr std::uint32_t kPcapMagicMicro = 0xa1b2c3d4;
inline constexpr std::uint32_t kPcapMagicNano = 0xa1b23c4d;

// `in` starts with one of the two magics in either byte order (checked by the caller).
Result<std::unique_ptr<CaptureFile>> open_pcap(std::string name, ByteStream in);

}  // namespace riptide::file_detail
