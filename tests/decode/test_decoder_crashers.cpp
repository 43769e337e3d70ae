// Replays every saved fuzzer crasher (fuzz/crashers/decoder/) through the fuzz harness, and
// a few synthetic inputs through every selector so the harness itself stays exercised.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

#include "../../fuzz/harness_decoder.hpp"
#include "support/pktbuild.hpp"

namespace riptide::test {
namespace {

namespace fs = std::filesystem;

TEST(DecoderCrashers, ReplayEverySavedInput) {
  const fs::path dir = fs::path(RIPTIDE_SOURCE_DIR) / "fuzz" / "crashers" / "decoder";
  ASSERT_TRUE(fs::is_directory(dir)) << dir;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (!e.is_regular_file() || e.path().filename() == ".keep") continue;
    std::ifstream in(e.path(), std::ios::binary);
    const std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_TRUE(fuzz::decoder_one(bytes.data(), bytes.size())) << e.path();
  }
}

TEST(DecoderCrashers, HarnessAcceptsEverySelector) {
  const Bytes frame = PacketBuilder().eth().vlan(5).ipv6("::1", "::2").ext6(0).tcp(1, 2).payload(8).build();
  for (int sel = 0; sel < 256; ++sel) {
    for (std::size_t n = 0; n <= frame.size(); n += 7) {
      std::vector<std::uint8_t> in{static_cast<std::uint8_t>(sel)};
      in.insert(in.end(), frame.begin(), frame.begin() + static_cast<std::ptrdiff_t>(n));
      EXPECT_TRUE(fuzz::decoder_one(in.data(), in.size())) << sel << " " << n;
    }
  }
  EXPECT_TRUE(fuzz::decoder_one(nullptr, 0));
  EXPECT_EQ(fuzz::decoder_link_selector(LinkType::loop), 7);
}

}  // namespace
}  // namespace riptide::test
