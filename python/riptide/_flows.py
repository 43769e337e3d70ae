"""Finished flow records as a NumPy structured array (Run.flow_array()) and the names of its codes."""
from __future__ import annotations

from ._riptide import flow_dtype, flow_reasons, proto_name, tunnel_types

#: One finished flow. Names as the flow JSON's keys: the top level's as they are, the "flow"
#: and "tcp" objects' without prefix, the "tunnel" object's with "tunnel_"; addresses as in a
#: batch (src_ip4/dest_ip4 as numbers, src_ip/dest_ip as 16 bytes); start_ns/end_ns in ns
#: since the epoch; proto as a number; reason and tunnel_type as codes (FLOW_REASONS,
#: TUNNEL_TYPES). A field the JSON line leaves out (ports of ICMP, ICMP type/code of a silent
#: direction, tunnel fields of a plain flow) is 0.
FLOW_DTYPE = flow_dtype()

#: riptide's end reason by code ("idle_timeout", "active_timeout", "tcp_fin", "tcp_rst",
#: "end_of_input", "evicted"), as the flow JSON's riptide.reason.
FLOW_REASONS: tuple = flow_reasons()

#: Tunnel type by code ("none", "ipip", "gre", "vxlan", ...), as riptide.tunnel_type.
TUNNEL_TYPES: tuple = tunnel_types()

__all__ = ["FLOW_DTYPE", "FLOW_REASONS", "TUNNEL_TYPES", "proto_name"]
