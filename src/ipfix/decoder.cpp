#include <optional>
#include <string>

#include "ipfix/be.hpp"
#include "ipfix/record_reader.hpp"
#include "riptide/ipfix/ipfix_decoder.hpp"

namespace riptide::ipfix {

using detail::get16;
using detail::get32;

namespace {

Error bad(std::size_t offset, const std::string& what) {
  return make_error(Errc::format, "IPFIX message, offset " + std::to_string(offset) + ": " + what);
}

// Templates defined or withdrawn by the message being decoded: they apply to the sets after
// them in the same message, and reach the decoder's state only if the whole message is good.
struct Staged {
  const std::map<std::uint16_t, Template>* known = nullptr;
  std::map<std::uint16_t, std::optional<Template>> changes;

  const Template* find(std::uint16_t id) const {
    if (auto it = changes.find(id); it != changes.end()) return it->second ? &*it->second : nullptr;
    if (known == nullptr) return nullptr;
    auto it = known->find(id);
    return it == known->end() ? nullptr : &it->second;
  }
};

// Template records of one (options) template set, body [pos, end).
Result<std::size_t> read_templates(const std::uint8_t* m, std::size_t pos, std::size_t end, bool options, Staged& st) {
  std::size_t count = 0;
  while (end - pos >= 4) {
    const std::size_t at = pos;
    Template t;
    t.id = get16(m + pos);
    const std::uint16_t nfields = get16(m + pos + 2);
    t.options = options;
    if (t.id < kMinDataSetId) return bad(at, "template id " + std::to_string(t.id) + " is below 256");
    if (nfields == 0) {  // withdrawal (RFC 7011 8.1): 4 bytes, options templates too
      st.changes[t.id] = std::nullopt;
      pos += 4;
      ++count;
      continue;
    }
    pos += 4;
    if (options) {
      if (end - pos < 2) return bad(pos, "options template " + std::to_string(t.id) + " runs past its set");
      t.scope_fields = get16(m + pos);
      pos += 2;
    }
    if (options && (t.scope_fields == 0 || t.scope_fields > nfields)) {
      return bad(at, "options template " + std::to_string(t.id) + " has " + std::to_string(t.scope_fields) +
                         " scope fields of " + std::to_string(nfields));
    }
    for (std::uint16_t i = 0; i < nfields; ++i) {
      if (end - pos < 4) return bad(pos, "template " + std::to_string(t.id) + " runs past its set");
      FieldSpec f;
      const std::uint16_t raw = get16(m + pos);
      f.id = raw & 0x7fff;
      f.length = get16(m + pos + 2);
      pos += 4;
      if (raw & 0x8000) {
        if (end - pos < 4) return bad(pos, "template " + std::to_string(t.id) + " runs past its set");
        f.enterprise = get32(m + pos);
        pos += 4;
      }
      if (f.length == 0) return bad(pos - 4, "template " + std::to_string(t.id) + " has a field of length 0");
      t.min_record_length += f.length == kVariableLength ? 1 : f.length;
      t.fields.push_back(f);
    }
    st.changes[t.id] = std::move(t);
    ++count;
  }
  return count;  // fewer bytes than a record header left: padding
}

// Records of one data set, body [pos, end).
Result<std::size_t> read_data(const std::uint8_t* m, std::size_t pos, std::size_t end, const Template& t,
                              std::vector<FlowRecord>& out) {
  std::size_t count = 0;
  while (end - pos >= t.min_record_length) {
    FlowRecord r;
    for (const auto& f : t.fields) {
      std::size_t n = f.length;
      if (f.length == kVariableLength) {
        if (end - pos < 1) return bad(pos, "variable-length field runs past its set");
        n = m[pos++];
        if (n == 255) {
          if (end - pos < 2) return bad(pos, "variable-length field runs past its set");
          n = get16(m + pos);
          pos += 2;
        }
      }
      if (end - pos < n) return bad(pos, "record of template " + std::to_string(t.id) + " runs past its set");
      detail::apply_field(f, m + pos, n, r);
      pos += n;
    }
    out.push_back(r);
    ++count;
  }
  return count;
}

}  // namespace

const Template* Decoder::find(std::uint32_t domain_id, std::uint16_t template_id) const {
  auto d = domains_.find(domain_id);
  if (d == domains_.end()) return nullptr;
  auto t = d->second.templates.find(template_id);
  return t == d->second.templates.end() ? nullptr : &t->second;
}

Result<DecodedMessage> Decoder::decode(std::span<const std::uint8_t> msg, std::vector<FlowRecord>& out) {
  const std::uint8_t* m = msg.data();
  const std::size_t size = msg.size();
  if (size < kMessageHeaderLen) return bad(0, std::to_string(size) + " bytes, shorter than the 16-byte header");
  DecodedMessage d;
  d.header.version = get16(m);
  d.header.length = get16(m + 2);
  d.header.export_time = get32(m + 4);
  d.header.sequence = get32(m + 8);
  d.header.domain_id = get32(m + 12);
  if (d.header.version != kVersion) return bad(0, "version " + std::to_string(d.header.version) + ", not 10");
  if (d.header.length != size) {
    return bad(2, "length field says " + std::to_string(d.header.length) + " bytes, " + std::to_string(size) + " received");
  }
  auto dom = domains_.find(d.header.domain_id);
  Staged st;
  if (dom != domains_.end()) st.known = &dom->second.templates;
  std::vector<FlowRecord> recs;
  std::size_t pos = kMessageHeaderLen;
  while (pos < size) {
    if (size - pos < kSetHeaderLen) return bad(pos, "set header cut short");
    const std::uint16_t id = get16(m + pos);
    const std::uint16_t len = get16(m + pos + 2);
    if (len < kSetHeaderLen || len > size - pos) {
      return bad(pos + 2, "set length " + std::to_string(len) + " with " + std::to_string(size - pos) + " bytes left");
    }
    const std::size_t body = pos + kSetHeaderLen, end = pos + len;
    if (id == kTemplateSetId || id == kOptionsTemplateSetId) {
      auto n = read_templates(m, body, end, id == kOptionsTemplateSetId, st);
      if (!n) return n.error();
      d.template_records += *n;
    } else if (id < kMinDataSetId) {
      return bad(pos, "set id " + std::to_string(id) + " is reserved");
    } else if (const Template* t = st.find(id); t == nullptr || t->options) {
      ++d.skipped_sets;
    } else {
      auto n = read_data(m, body, end, *t, recs);
      if (!n) return n.error();
      d.data_records += *n;
    }
    pos = end;
  }
  // The whole message is good: commit its templates, check its sequence number.
  auto& state = domains_[d.header.domain_id];
  for (auto& [tid, t] : st.changes) {
    if (t) {
      state.templates[tid] = std::move(*t);
    } else {
      state.templates.erase(tid);
    }
  }
  if (state.seen && d.header.sequence != state.next_sequence) ++sequence_failures_;
  state.seen = true;
  state.next_sequence = d.header.sequence + static_cast<std::uint32_t>(d.data_records);
  ++messages_;
  out.insert(out.end(), recs.begin(), recs.end());
  return d;
}

}  // namespace riptide::ipfix
