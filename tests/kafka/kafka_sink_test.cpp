// The Kafka sink against librdkafka's mock cluster: every record is read back by a consumer,
// parses as the same EVE JSON as the file output, and one flow's records share a partition.
// Against a broker that is not there: every record is counted as dropped, close() returns in
// bounded time, and the error says why.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "mock_kafka.hpp"
#include "riptide/flow/eve_json.hpp"
#include "riptide/kafka/kafka_sink.hpp"

namespace riptide {
namespace {

FlowRecord record(std::uint64_t id, std::uint16_t sport) {
  FlowRecord r;
  r.flow_id = id;
  r.ip_version = 4;
  r.proto = 6;
  const std::uint8_t a[4] = {10, 0, 0, 1}, b[4] = {10, 0, 0, 2};
  r.src_ip = IpAddr::from_v4(a);
  r.dest_ip = IpAddr::from_v4(b);
  r.src_port = sport;
  r.dest_port = 443;
  r.toserver.pkts = 3;
  r.toserver.bytes = 180 + id;
  r.toclient.pkts = 2;
  r.toclient.bytes = 120;
  r.start_ns = 1'700'000'000'000'000'000;
  r.end_ns = r.start_ns + 1'000'000;
  r.reason = FlowEndReason::tcp_fin;
  return r;
}

std::string eve(const FlowRecord& r) {
  char buf[EveJsonWriter::kMaxLine];
  return std::string(buf, EveJsonWriter::format(r, buf));
}

TEST(KafkaTarget, ParsesBrokersAndTopic) {
  auto t = parse_kafka_target("127.0.0.1:9092,10.0.0.1:9092/flows");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->first, "127.0.0.1:9092,10.0.0.1:9092");
  EXPECT_EQ(t->second, "flows");
  EXPECT_FALSE(parse_kafka_target("127.0.0.1:9092"));
  EXPECT_FALSE(parse_kafka_target("127.0.0.1:9092/"));
  EXPECT_FALSE(parse_kafka_target("/flows"));
  EXPECT_FALSE(parse_kafka_option("novalue"));
  auto kv = parse_kafka_option("compression.type=lz4");
  ASSERT_TRUE(kv);
  EXPECT_EQ(kv->second, "lz4");
}

TEST(KafkaTarget, UnknownOptionIsRefusedAtCreate) {
  KafkaSinkConfig c;
  c.brokers = "127.0.0.1:1";
  c.topic = "t";
  c.options = {{"no.such.property", "1"}};
  auto s = KafkaSink::create(c);
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("no.such.property"), std::string::npos) << s.error().message;
}

TEST(KafkaKey, SameFlowSameKeyBothDirections) {
  FlowRecord a = record(1, 5000), b = record(2, 5000), c = record(3, 5001);
  std::swap(b.src_ip, b.dest_ip);
  std::swap(b.src_port, b.dest_port);
  EXPECT_EQ(kafka_flow_key(a), kafka_flow_key(b));
  EXPECT_NE(kafka_flow_key(a), kafka_flow_key(c));
  EXPECT_EQ(kafka_flow_key(a).size(), 16u);
}

TEST(KafkaSink, EveryRecordReadBackFromTheMockCluster) {
  test::MockKafka mock("flows", 4);
  ASSERT_TRUE(mock.ok());
  KafkaSinkConfig c;
  c.brokers = mock.bootstraps();
  c.topic = "flows";
  auto s = KafkaSink::create(c);
  ASSERT_TRUE(s) << s.error().message;
  // 40 flows (source ports), 5 records each (a long flow restarted by the active timeout
  // gets a new id every time): 200 records.
  std::vector<FlowRecord> recs;
  for (std::uint64_t i = 0; i < 200; ++i) recs.push_back(record(i + 1, static_cast<std::uint16_t>(40000 + i % 40)));
  for (std::size_t i = 0; i < recs.size(); i += 50) (*s)->write(std::span(recs).subspan(i, 50));
  (*s)->close();
  const SinkStatus st = (*s)->status();
  EXPECT_EQ(st.written, recs.size());
  EXPECT_EQ(st.dropped, 0u);
  EXPECT_TRUE(st.error.empty()) << st.error;
  std::vector<SinkCounter> cs;
  (*s)->counters(cs);
  for (const auto& x : cs) {
    if (x.name == "kafka_delivered" || x.name == "kafka_produced") {
      EXPECT_EQ(x.value, recs.size()) << x.name;
    }
    if (x.name == "kafka_failed" || x.name == "kafka_queue_full" || x.name == "kafka_in_flight") {
      EXPECT_EQ(x.value, 0u) << x.name;
    }
  }

  const auto msgs = mock.read_all(recs.size(), std::chrono::seconds(20));
  ASSERT_EQ(msgs.size(), recs.size());
  std::map<std::uint64_t, std::string> expect;
  for (const auto& r : recs) expect[r.flow_id] = eve(r);
  std::map<std::string, std::set<std::int32_t>> parts_of_key;
  std::set<std::uint64_t> seen;
  for (const auto& m : msgs) {
    const auto j = nlohmann::json::parse(m.value, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << m.value;
    const auto id = j.at("flow_id").get<std::uint64_t>();
    EXPECT_TRUE(seen.insert(id).second) << "flow_id " << id << " twice";
    EXPECT_EQ(m.value, expect[id]) << "not the EVE line of the file output";
    EXPECT_EQ(j.at("event_type"), "flow");
    EXPECT_EQ(j.at("src_ip"), "10.0.0.1");
    EXPECT_EQ(j.at("dest_port"), 443);
    EXPECT_EQ(j.at("flow").at("pkts_toserver"), 3);
    parts_of_key[m.key].insert(m.partition);
  }
  EXPECT_EQ(parts_of_key.size(), 40u);
  std::set<std::int32_t> used;
  for (const auto& [k, p] : parts_of_key) {
    EXPECT_EQ(p.size(), 1u) << "records of flow key " << k << " in several partitions";
    used.insert(p.begin(), p.end());
  }
  EXPECT_GT(used.size(), 1u) << "40 keys all in one partition: the key is not used";
}

// A live capture's records name its interface, as the file output's do.
TEST(KafkaSink, MessagesCarryTheCaptureInterface) {
  test::MockKafka mock("flows", 1);
  ASSERT_TRUE(mock.ok());
  KafkaSinkConfig c;
  c.brokers = mock.bootstraps();
  c.topic = "flows";
  c.in_iface = "eth7";
  auto s = KafkaSink::create(c);
  ASSERT_TRUE(s) << s.error().message;
  std::vector<FlowRecord> recs;
  for (std::uint64_t i = 0; i < 3; ++i) recs.push_back(record(i + 1, static_cast<std::uint16_t>(40000 + i)));
  (*s)->write(recs);
  (*s)->close();
  const auto msgs = mock.read_all(recs.size(), std::chrono::seconds(20));
  ASSERT_EQ(msgs.size(), recs.size());
  for (const auto& m : msgs) {
    const auto j = nlohmann::json::parse(m.value, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << m.value;
    EXPECT_EQ(j.value("in_iface", ""), "eth7") << m.value;
  }
}

TEST(KafkaSink, UnreachableBrokerDropsEverythingInBoundedTime) {
  KafkaSinkConfig c;
  c.brokers = "127.0.0.1:1";  // nothing listens on port 1
  c.topic = "flows";
  c.close_timeout = std::chrono::milliseconds(500);
  c.queue_messages = 100;  // the rest of the 300 is refused at once: queue full
  auto s = KafkaSink::create(c);
  ASSERT_TRUE(s) << s.error().message;
  std::vector<FlowRecord> recs;
  for (std::uint64_t i = 0; i < 300; ++i) recs.push_back(record(i + 1, static_cast<std::uint16_t>(1000 + i)));
  const auto t0 = std::chrono::steady_clock::now();
  testing::internal::CaptureStderr();
  (*s)->write(recs);
  const auto write_took = std::chrono::steady_clock::now() - t0;
  (*s)->tick(0);
  (*s)->close();
  const std::string err = testing::internal::GetCapturedStderr();
  const auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_LT(write_took, std::chrono::milliseconds(200)) << "produce blocked";
  EXPECT_LT(took, std::chrono::seconds(3)) << "close() is not bounded";
  const SinkStatus st = (*s)->status();
  EXPECT_EQ(st.written, 0u);
  EXPECT_EQ(st.dropped, recs.size());
  EXPECT_FALSE(st.error.empty());
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
  std::uint64_t failed = 0, full = 0;
  std::vector<SinkCounter> cs;
  (*s)->counters(cs);
  for (const auto& x : cs) {
    if (x.name == "kafka_failed") failed = x.value;
    if (x.name == "kafka_queue_full") full = x.value;
    if (x.name == "kafka_in_flight") {
      EXPECT_EQ(x.value, 0u);
    }
  }
  EXPECT_EQ(full, 200u);
  EXPECT_EQ(failed, 100u);
}

}  // namespace
}  // namespace riptide
