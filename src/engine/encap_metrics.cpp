// Decode figures per encapsulation: the packets each one carried, and the packets whose
// decoding stopped inside one (malformed, or nested too deep). Labelled series of two metric
// families, so a dashboard sums or splits them as it likes; the report JSON lists the same
// figures under decode.encap and decode.errors.
#include "engine/engine_impl.hpp"

namespace riptide {

namespace {

struct EncapError {
  const char* encap;
  DecodeError reason;
};

// The decode errors that belong to one encapsulation; "tunnels" is the nesting bound they share.
constexpr EncapError kEncapErrors[] = {
    {"pppoe", DecodeError::truncated_pppoe},   {"mpls", DecodeError::truncated_mpls},
    {"mpls", DecodeError::too_many_mpls_labels}, {"gre", DecodeError::truncated_gre},
    {"gre", DecodeError::bad_gre_version},     {"vxlan", DecodeError::truncated_vxlan},
    {"geneve", DecodeError::truncated_geneve}, {"gtpu", DecodeError::truncated_gtp},
    {"tunnels", DecodeError::too_many_tunnels},
};

}  // namespace

void Engine::Impl::register_encap_metrics() {
  std::vector<MetricDesc> d;
  for (const EncapCount& c : encap_counts(DecodeStats{}))
    d.push_back({"decode_encap_packets",
                 "packets decoded through this encapsulation (a tunnel counts the packets it was the outermost of; "
                 "erspan is also in gre)",
                 MetricType::counter,
                 {{"encap", std::string(c.name)}},
                 {},
                 DropKind::none});
  for (const auto& e : kEncapErrors)
    d.push_back({"decode_encap_errors",
                 "packets whose decoding stopped in this encapsulation, malformed or nested too deep (still analyzed "
                 "as far as they decoded)",
                 MetricType::counter,
                 {{"encap", e.encap}, {"reason", std::string(to_string(e.reason))}},
                 {},
                 DropKind::none});
  metrics.add_group(std::move(d), [this](std::span<MetricValue> v) {
    DecodeStats s;
    for (const auto& p : decode) {
      std::lock_guard lk(p->mu);
      s.merge(p->stats);
    }
    std::size_t k = 0;
    for (const EncapCount& c : encap_counts(s)) v[k++] = c.packets;
    for (const auto& e : kEncapErrors) v[k++] = s.error_count(e.reason);
  });
}

}  // namespace riptide
