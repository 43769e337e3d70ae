// The IPFIX fuzz seeds (fuzz/corpus/ipfix, from make_ipfix_seeds.py) and any saved crasher
// (fuzz/crashers/ipfix) through the fuzz harness, and what the decoder makes of the seeds
// written like other exporters' messages.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

#include "../../fuzz/harness_ipfix.hpp"

namespace riptide {
namespace {

namespace fs = std::filesystem;

std::vector<std::uint8_t> read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

const fs::path kSeeds = fs::path(RIPTIDE_SOURCE_DIR) / "fuzz" / "corpus" / "ipfix";

TEST(IpfixFuzzSeeds, HarnessHoldsOnEverySeedAndCrasher) {
  std::size_t n = 0;
  for (const auto& dir : {kSeeds, fs::path(RIPTIDE_SOURCE_DIR) / "fuzz" / "crashers" / "ipfix"}) {
    if (!fs::is_directory(dir)) continue;
    for (const auto& e : fs::directory_iterator(dir)) {
      if (!e.is_regular_file() || e.path().filename() == ".keep") continue;
      const auto b = read(e.path());
      EXPECT_TRUE(fuzz::ipfix_one(b.data(), b.size())) << e.path();
      ++n;
    }
  }
  EXPECT_GE(n, 10u);
  // Inputs too short for anything, and a large one, hold too.
  const std::vector<std::uint8_t> empty, big(70000, 0xa5);
  EXPECT_TRUE(fuzz::ipfix_one(empty.data(), 0));
  EXPECT_TRUE(fuzz::ipfix_one(big.data(), big.size()));
}

struct StreamResult {
  std::size_t records = 0, skipped = 0, errors = 0;
  std::uint64_t sequence_failures = 0;
};

StreamResult decode_stream(const std::string& name) {
  const auto b = read(kSeeds / name);
  ipfix::Decoder d;
  StreamResult r;
  std::size_t pos = 0;
  while (b.size() - pos >= ipfix::kMessageHeaderLen) {
    const std::size_t len = static_cast<std::size_t>(b[pos + 2] << 8 | b[pos + 3]);
    if (len < ipfix::kMessageHeaderLen || len > b.size() - pos) break;
    std::vector<FlowRecord> out;
    auto m = d.decode({b.data() + pos, len}, out);
    if (m) {
      r.records += out.size();
      r.skipped += m->skipped_sets;
    } else {
      ++r.errors;
    }
    pos += len;
  }
  r.sequence_failures = d.sequence_failures();
  return r;
}

TEST(IpfixFuzzSeeds, DecoderReadsOtherExportersForms) {
  auto r = decode_stream("riptide_stream");
  EXPECT_EQ(r.records, 8u);
  EXPECT_EQ(r.sequence_failures, 0u);
  EXPECT_EQ(decode_stream("padded_data").records, 1u);
  EXPECT_EQ(decode_stream("variable_length").records, 2u);
  r = decode_stream("options");
  EXPECT_EQ(r.records, 0u);
  EXPECT_EQ(r.skipped, 1u);
  r = decode_stream("withdrawal");
  EXPECT_EQ(r.records, 0u);
  EXPECT_EQ(r.skipped, 1u) << "data after its template was withdrawn";
  EXPECT_EQ(decode_stream("sequence_gap").sequence_failures, 1u);
  EXPECT_EQ(decode_stream("two_domains").records, 5u);
  EXPECT_EQ(decode_stream("two_domains").sequence_failures, 0u);
  EXPECT_EQ(decode_stream("netflow_v9_header").errors, 1u);
  EXPECT_EQ(decode_stream("data_without_template").skipped, 1u);
  EXPECT_EQ(decode_stream("enterprise_field").records, 1u);
}

}  // namespace
}  // namespace riptide
