#pragma once
// pcapng: blocks of (type, length, body, length); sections each restart the byte order and
// the interface list; packets carry an interface id that selects link type and clock.
#include <memory>

#include "file/byte_stream.hpp"
#include "file/reader_base.hpp"

namespace riptide::file_detail {

inline constexpr std::uint32_t kPcapngSectionHeader = 0x0a0d0d0a;

// `in` starts with a Section Header Block type (checked by the caller).
Result<std::unique_ptr<CaptureFile>> open_pcapng(std::string name, ByteStream in);

}  // namespace riptide::file_detail
