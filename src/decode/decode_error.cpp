// Names and explanations of decode errors, for counters, JSON and human-readable reports.
#include "riptide/decode/decoder.hpp"

namespace riptide {

std::string_view to_string(DecodeError e) noexcept {
  switch (e) {
    case DecodeError::none: return "none";
    case DecodeError::unsupported_link: return "unsupported_link";
    case DecodeError::truncated_l2: return "truncated_l2";
    case DecodeError::truncated_vlan: return "truncated_vlan";
    case DecodeError::too_many_vlans: return "too_many_vlans";
    case DecodeError::truncated_arp: return "truncated_arp";
    case DecodeError::truncated_ipv4: return "truncated_ipv4";
    case DecodeError::bad_ipv4_version: return "bad_ipv4_version";
    case DecodeError::bad_ipv4_header_len: return "bad_ipv4_header_len";
    case DecodeError::bad_ipv4_total_len: return "bad_ipv4_total_len";
    case DecodeError::truncated_ipv6: return "truncated_ipv6";
    case DecodeError::bad_ipv6_version: return "bad_ipv6_version";
    case DecodeError::too_many_ext_headers: return "too_many_ext_headers";
    case DecodeError::truncated_ext_header: return "truncated_ext_header";
    case DecodeError::truncated_tcp: return "truncated_tcp";
    case DecodeError::bad_tcp_header_len: return "bad_tcp_header_len";
    case DecodeError::truncated_udp: return "truncated_udp";
    case DecodeError::bad_udp_len: return "bad_udp_len";
    case DecodeError::truncated_icmp: return "truncated_icmp";
    case DecodeError::truncated_pppoe: return "truncated_pppoe";
    case DecodeError::truncated_mpls: return "truncated_mpls";
    case DecodeError::too_many_mpls_labels: return "too_many_mpls_labels";
    case DecodeError::truncated_gre: return "truncated_gre";
    case DecodeError::bad_gre_version: return "bad_gre_version";
    case DecodeError::truncated_vxlan: return "truncated_vxlan";
    case DecodeError::truncated_geneve: return "truncated_geneve";
    case DecodeError::truncated_gtp: return "truncated_gtp";
    case DecodeError::too_many_tunnels: return "too_many_tunnels";
    case DecodeError::truncated_nflog: return "truncated_nflog";
    case DecodeError::count_: break;
  }
  return "unknown";
}

std::string_view explain(DecodeError e) noexcept {
  switch (e) {
    case DecodeError::none: return "decoded without error";
    case DecodeError::unsupported_link: return "the capture's link-layer type is not one the decoder understands";
    case DecodeError::truncated_l2:
      return "frame empty or shorter than its link-layer header (Ethernet, Linux cooked or loopback)";
    case DecodeError::truncated_vlan: return "VLAN tag cut short by the capture length or a short frame";
    case DecodeError::too_many_vlans: return "more stacked VLAN tags than the decoder walks (8)";
    case DecodeError::truncated_arp: return "ARP message cut short by the capture length or a short frame";
    case DecodeError::truncated_ipv4: return "IPv4 header cut short by the capture length or a short frame";
    case DecodeError::bad_ipv4_version:
      return "IP version field is not 4 where IPv4 was announced (or neither 4 nor 6 on a raw-IP link)";
    case DecodeError::bad_ipv4_header_len: return "IPv4 header length field is below the 20-byte minimum";
    case DecodeError::bad_ipv4_total_len: return "IPv4 total length is smaller than the IPv4 header itself";
    case DecodeError::truncated_ipv6: return "IPv6 header cut short by the capture length or a short frame";
    case DecodeError::bad_ipv6_version: return "IP version field is not 6 where IPv6 was announced";
    case DecodeError::too_many_ext_headers: return "IPv6 extension-header chain longer than the decoder walks (8)";
    case DecodeError::truncated_ext_header:
      return "IPv6 extension header runs past the end of the capture or of the IPv6 payload";
    case DecodeError::truncated_tcp:
      return "TCP header cut short by the capture length or the IP length";
    case DecodeError::bad_tcp_header_len: return "TCP data offset is below the 20-byte minimum header";
    case DecodeError::truncated_udp: return "UDP header cut short by the capture length or the IP length";
    case DecodeError::bad_udp_len: return "UDP length field is below the 8-byte header size";
    case DecodeError::truncated_icmp: return "ICMP or ICMPv6 header cut short by the capture length or the IP length";
    case DecodeError::truncated_pppoe: return "PPPoE session or PPP header cut short";
    case DecodeError::truncated_mpls: return "MPLS label stack runs past the end of the frame";
    case DecodeError::too_many_mpls_labels: return "MPLS label stack deeper than the decoder walks (16)";
    case DecodeError::truncated_gre: return "GRE or ERSPAN header cut short by the capture length or the IP length";
    case DecodeError::bad_gre_version: return "GRE version is neither 0 (GRE) nor 1 (PPTP)";
    case DecodeError::truncated_vxlan: return "VXLAN header cut short";
    case DecodeError::truncated_geneve: return "Geneve header or its options cut short";
    case DecodeError::truncated_gtp: return "GTP-U header or its extension headers cut short";
    case DecodeError::too_many_tunnels:
      return "more nested tunnels than the decoder enters (8): metered by the last header reached";
    case DecodeError::truncated_nflog: return "NFLOG header or attribute cut short";
    case DecodeError::count_: break;
  }
  return "unknown decode error";
}

std::string_view to_string(TunnelType t) noexcept {
  switch (t) {
    case TunnelType::none: return "none";
    case TunnelType::ipip: return "ipip";
    case TunnelType::gre: return "gre";
    case TunnelType::vxlan: return "vxlan";
    case TunnelType::geneve: return "geneve";
    case TunnelType::gtpu: return "gtpu";
    case TunnelType::lisp: return "lisp";
    case TunnelType::count_: break;
  }
  return "unknown";
}

}  // namespace riptide
