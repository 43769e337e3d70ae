#pragma once
// A Kafka cluster inside the test process (librdkafka's mock brokers, on loopback) and a
// consumer that reads a topic back from the beginning.
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace riptide::test {

struct KafkaMessage {
  std::string key, value;
  std::int32_t partition = -1;
};

class MockKafka {
 public:
  // `partitions` for `topic`, created before anyone produces.
  MockKafka(const std::string& topic, int partitions) : topic_(topic), partitions_(partitions) {
    char err[256];
    rd_kafka_conf_t* c = rd_kafka_conf_new();
    rd_kafka_conf_set(c, "log_level", "0", err, sizeof err);
    rk_ = rd_kafka_new(RD_KAFKA_PRODUCER, c, err, sizeof err);
    if (!rk_) return;
    mc_ = rd_kafka_mock_cluster_new(rk_, 1);
    if (mc_) rd_kafka_mock_topic_create(mc_, topic.c_str(), partitions, 1);
  }
  ~MockKafka() {
    if (mc_) rd_kafka_mock_cluster_destroy(mc_);
    if (rk_) rd_kafka_destroy(rk_);
  }
  MockKafka(const MockKafka&) = delete;
  MockKafka& operator=(const MockKafka&) = delete;

  bool ok() const { return mc_ != nullptr; }
  std::string bootstraps() const { return rd_kafka_mock_cluster_bootstraps(mc_); }

  // Every message of the topic, read until `want` arrived (and 300 ms more, to catch extra
  // ones) or `timeout` passed.
  std::vector<KafkaMessage> read_all(std::size_t want, std::chrono::milliseconds timeout) const {
    std::vector<KafkaMessage> out;
    char err[256];
    rd_kafka_conf_t* c = rd_kafka_conf_new();
    rd_kafka_conf_set(c, "bootstrap.servers", bootstraps().c_str(), err, sizeof err);
    rd_kafka_conf_set(c, "group.id", "riptide-test", err, sizeof err);
    rd_kafka_conf_set(c, "enable.partition.eof", "false", err, sizeof err);
    rd_kafka_conf_set(c, "log_level", "0", err, sizeof err);
    rd_kafka_t* consumer = rd_kafka_new(RD_KAFKA_CONSUMER, c, err, sizeof err);
    if (!consumer) return out;
    rd_kafka_poll_set_consumer(consumer);
    // Partitions assigned by hand from the start: no group rebalance to wait for.
    rd_kafka_topic_partition_list_t* parts = rd_kafka_topic_partition_list_new(partitions_);
    for (int p = 0; p < partitions_; ++p)
      rd_kafka_topic_partition_list_add(parts, topic_.c_str(), p)->offset = RD_KAFKA_OFFSET_BEGINNING;
    rd_kafka_assign(consumer, parts);
    rd_kafka_topic_partition_list_destroy(parts);
    auto end = std::chrono::steady_clock::now() + timeout;
    bool extra = false;
    while (std::chrono::steady_clock::now() < end) {
      if (out.size() >= want && !extra) {
        // A little longer: a message sent twice would show up here.
        extra = true;
        end = std::min(end, std::chrono::steady_clock::now() + std::chrono::milliseconds(300));
      }
      rd_kafka_message_t* m = rd_kafka_consumer_poll(consumer, 100);
      if (!m) continue;
      if (!m->err) {
        KafkaMessage k;
        if (m->key) k.key.assign(static_cast<const char*>(m->key), m->key_len);
        if (m->payload) k.value.assign(static_cast<const char*>(m->payload), m->len);
        k.partition = m->partition;
        out.push_back(std::move(k));
      }
      rd_kafka_message_destroy(m);
    }
    rd_kafka_consumer_close(consumer);
    rd_kafka_destroy(consumer);
    return out;
  }

 private:
  std::string topic_;
  int partitions_;
  rd_kafka_t* rk_ = nullptr;
  rd_kafka_mock_cluster_t* mc_ = nullptr;
};

}  // namespace riptide::test
