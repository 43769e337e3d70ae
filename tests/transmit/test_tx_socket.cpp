#include <gtest/gtest.h>
#include <unistd.h>

#include <vector>

#include "riptide/gen/frame_builder.hpp"
#include "riptide/transmit/tx_socket.hpp"
#include "support/netns.hpp"
#include "transmit/ns_receiver.hpp"

namespace riptide {
namespace {

#define REQUIRE_ROOT() \
  if (!test::have_net_admin()) GTEST_SKIP() << "needs root / CAP_NET_ADMIN"

// n frames of `size` bytes over `flows` flows, each frame's own buffer.
std::vector<std::vector<std::uint8_t>> make_frames(std::uint32_t n, std::uint32_t size, std::uint32_t flows = 4) {
  gen::FrameSpec spec;
  spec.flows = flows;
  auto b = gen::FrameBuilder::create(spec);
  EXPECT_TRUE(b.ok());
  std::vector<std::vector<std::uint8_t>> out(n, std::vector<std::uint8_t>(size, 0));
  for (std::uint32_t i = 0; i < n; ++i) EXPECT_EQ(b->write(i % flows, i / flows, 0, size, out[i]), size);
  return out;
}

TEST(TxSocket, UnknownInterfaceIsNotFound) {
  auto s = TxSocket::open("rtnosuch0");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Errc::not_found);
  EXPECT_NE(s.error().message.find("rtnosuch0"), std::string::npos);
}

TEST(TxSocket, BadConfigIsInvalidArgument) {
  TxConfig c;
  c.batch = 0;
  auto s = TxSocket::open("lo", c);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Errc::invalid_argument);
  c.batch = 64;
  c.method = TxMethod::tx_ring;
  c.frame_size = 1000;  // not a multiple of 16
  auto r = TxSocket::open("lo", c);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::invalid_argument);
}

class TxDelivery : public ::testing::TestWithParam<TxMethod> {};

// Every frame handed to send_batch arrives exactly once, in order per flow.
TEST_P(TxDelivery, ExactCountsAcrossVeth) {
  REQUIRE_ROOT();
  test::VethPair veth(GetParam() == TxMethod::tx_ring ? "txr" : "txm");
  ASSERT_TRUE(veth.ok());
  test::NsReceiver rx(veth.netns(), veth.peer_if());
  ASSERT_TRUE(rx.ok());
  TxConfig cfg;
  cfg.method = GetParam();
  cfg.ring_frames = 256;  // small ring: the 20000 frames wrap it many times
  auto sock = TxSocket::open(veth.host_if(), cfg);
  ASSERT_TRUE(sock.ok()) << sock.error().message;

  constexpr std::uint32_t kN = 20000;
  auto frames = make_frames(kN, 128);
  std::vector<std::span<const std::uint8_t>> spans(frames.begin(), frames.end());
  rx.start(kN);
  std::size_t sent = 0;
  // Uneven chunks: some smaller than a batch, some several batches long.
  for (std::size_t off = 0; off < spans.size();) {
    const std::size_t k = std::min<std::size_t>(off % 3 == 0 ? 200 : 37, spans.size() - off);
    sent += sock->send_batch(std::span(spans.data() + off, k));
    off += k;
  }
  rx.wait();
  EXPECT_EQ(sent, kN);
  const TxStats& st = sock->stats();
  EXPECT_EQ(st.queued, kN);
  EXPECT_EQ(st.sent, kN);
  EXPECT_EQ(st.failed, 0u);
  EXPECT_EQ(st.bytes, std::uint64_t(kN) * 128);
  EXPECT_GT(st.batches, 0u);
  EXPECT_LT(st.batches, kN / 16);  // batched: far fewer syscalls than frames
  EXPECT_EQ(rx.frames(), kN);
  auto c = rx.tracker().counts();
  EXPECT_EQ(c.unique, kN);
  EXPECT_EQ(c.lost, 0u);
  EXPECT_EQ(c.duplicates, 0u);
  EXPECT_EQ(c.reordered, 0u);
}

// Too big for the device (or the ring slot): failed and counted, the rest still go.
TEST_P(TxDelivery, OversizeFrameFailsAlone) {
  REQUIRE_ROOT();
  test::VethPair veth(GetParam() == TxMethod::tx_ring ? "txor" : "txom");
  ASSERT_TRUE(veth.ok());
  test::NsReceiver rx(veth.netns(), veth.peer_if());
  ASSERT_TRUE(rx.ok());
  TxConfig cfg;
  cfg.method = GetParam();
  auto sock = TxSocket::open(veth.host_if(), cfg);
  ASSERT_TRUE(sock.ok()) << sock.error().message;
  auto frames = make_frames(10, 200, 1);
  frames[4].assign(3000, 0);  // MTU 1500
  std::vector<std::span<const std::uint8_t>> spans(frames.begin(), frames.end());
  rx.start(9, 300);
  EXPECT_EQ(sock->send_batch(spans), 9u);
  rx.wait();
  EXPECT_EQ(sock->stats().failed, 1u);
  EXPECT_EQ(sock->stats().sent, 9u);
  EXPECT_EQ(rx.frames(), 9u);
  EXPECT_EQ(rx.tracker().counts().lost, 1u);  // seq 4 of flow 0 never came
}

// Jumbo MTU: the ring's slots follow the interface (frame_size 0), so a 9,014-byte frame goes
// out whole with either method, and max_frame() is the MTU + link header + VLAN tag.
TEST_P(TxDelivery, JumboFramesFollowTheMtu) {
  REQUIRE_ROOT();
  test::VethPair veth(GetParam() == TxMethod::tx_ring ? "txjr" : "txjm");
  ASSERT_TRUE(veth.ok());
  ASSERT_EQ(test::sh("ip link set dev " + veth.host_if() + " mtu 9000"), 0);
  ASSERT_EQ(veth.exec_in_ns("ip link set dev " + veth.peer_if() + " mtu 9000"), 0);
  test::NsReceiver rx(veth.netns(), veth.peer_if());
  ASSERT_TRUE(rx.ok());
  TxConfig cfg;
  cfg.method = GetParam();
  cfg.ring_frames = 64;
  auto sock = TxSocket::open(veth.host_if(), cfg);
  ASSERT_TRUE(sock.ok()) << sock.error().message;
  EXPECT_EQ(sock->max_frame(), 9018u);
  if (GetParam() == TxMethod::tx_ring) {
    EXPECT_GE(sock->config().frame_size, 9018u);
  }
  auto frames = make_frames(10, 9014, 1);
  std::vector<std::span<const std::uint8_t>> spans(frames.begin(), frames.end());
  rx.start(10, 300);
  EXPECT_EQ(sock->send_batch(spans), 10u);
  rx.wait();
  EXPECT_EQ(sock->stats().failed, 0u);
  EXPECT_EQ(sock->stats().bytes, 10u * 9014);
  EXPECT_EQ(rx.frames(), 10u);
}

// A down interface refuses every frame: counted as failed, bounded, no hang.
TEST_P(TxDelivery, DownInterfaceFailsCounted) {
  REQUIRE_ROOT();
  test::VethPair veth(GetParam() == TxMethod::tx_ring ? "txdr" : "txdm");
  ASSERT_TRUE(veth.ok());
  TxConfig cfg;
  cfg.method = GetParam();
  auto sock = TxSocket::open(veth.host_if(), cfg);
  ASSERT_TRUE(sock.ok()) << sock.error().message;
  ASSERT_TRUE(veth.set_host_up(false));
  auto frames = make_frames(100, 100);
  std::vector<std::span<const std::uint8_t>> spans(frames.begin(), frames.end());
  EXPECT_EQ(sock->send_batch(spans), 0u);
  EXPECT_EQ(sock->stats().failed, 100u);
  EXPECT_EQ(sock->stats().sent, 0u);
}

INSTANTIATE_TEST_SUITE_P(Methods, TxDelivery, ::testing::Values(TxMethod::sendmmsg, TxMethod::tx_ring),
                         [](const auto& i) { return i.param == TxMethod::tx_ring ? "tx_ring" : "sendmmsg"; });

}  // namespace
}  // namespace riptide
