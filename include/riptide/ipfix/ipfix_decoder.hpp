#pragma once
// Reads IPFIX messages (RFC 7011) back into flow records: the tests' collector and a fuzz
// target. Every length on the wire is checked against the bytes received before use; a
// message that breaks one is refused whole with one line naming the offset.
//
// Templates are remembered per observation domain, as a collector does; a data set whose
// template is unknown (or an options template's) is skipped and counted, not an error.
// Records are mapped to FlowRecord by information element, whatever the field order:
// riptide's own templates read back exactly (times to the millisecond, a RST end as tcp_fin),
// another exporter's as far as its elements go.
#include <cstddef>
#include <cstdint>
#include <map>
#include <span>
#include <utility>
#include <vector>

#include "riptide/core/result.hpp"
#include "riptide/flow/flow_record.hpp"
#include "riptide/ipfix/ipfix_ie.hpp"

namespace riptide::ipfix {

struct MessageHeader {
  std::uint16_t version = 0;
  std::uint16_t length = 0;
  std::uint32_t export_time = 0;
  std::uint32_t sequence = 0;
  std::uint32_t domain_id = 0;
};

struct Template {
  std::uint16_t id = 0;
  std::vector<FieldSpec> fields;
  std::uint16_t scope_fields = 0;  // options templates only
  bool options = false;
  std::size_t min_record_length = 0;  // a variable-length field counts its 1-byte prefix
};

struct DecodedMessage {
  MessageHeader header;
  std::size_t template_records = 0;  // templates and options templates defined (or withdrawn)
  std::size_t data_records = 0;      // records decoded into flows
  std::size_t skipped_sets = 0;      // data sets with no known template, or options data
};

class Decoder {
 public:
  // Decodes one message; its flows are appended to `out` (nothing is appended on error).
  Result<DecodedMessage> decode(std::span<const std::uint8_t> msg, std::vector<FlowRecord>& out);

  const Template* find(std::uint32_t domain_id, std::uint16_t template_id) const;

  // A message whose sequence number is not the previous one's plus its data records, in
  // the same domain (the first message of a domain sets the count).
  std::uint64_t sequence_failures() const noexcept { return sequence_failures_; }
  std::uint64_t messages() const noexcept { return messages_; }

 private:
  struct DomainState {
    std::map<std::uint16_t, Template> templates;
    std::uint32_t next_sequence = 0;
    bool seen = false;
  };
  std::map<std::uint32_t, DomainState> domains_;
  std::uint64_t sequence_failures_ = 0;
  std::uint64_t messages_ = 0;
};

}  // namespace riptide::ipfix
