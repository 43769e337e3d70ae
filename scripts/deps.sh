#!/usr/bin/env bash
# Installs everything riptide needs to build, test, benchmark and run the demo on Debian 12.
set -euo pipefail
PKGS=(
  build-essential cmake ninja-build pkg-config clang-14 libclang-rt-14-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libpcap-dev libcli11-dev nlohmann-json3-dev libconcurrentqueue-dev libreaderwriterqueue-dev libcpp-httplib-dev librdkafka-dev
  libyaml-cpp-dev
  tshark tcpdump netsniff-ng softflowd pmacct nfdump
  prometheus
  iproute2 procps util-linux libcap2-bin ethtool python3 gnuplot-nox time
  python3-dev python3-numpy python3-pytest pybind11-dev python3-dpkt python3-scapy
)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO=sudo
  export DEBIAN_FRONTEND=noninteractive
  # tshark asks whether non-root users may capture; answer no without a prompt.
  echo "wireshark-common wireshark-common/install-setuid boolean false" | $SUDO debconf-set-selections
  # prometheus is here for promtool only. Installed as is, Debian starts its server (port 9090,
  # every address) and enables it at boot. invoke-rc.d and deb-systemd-invoke ask policy-rc.d
  # before starting a service; 101 means "not allowed", so nothing this install brings starts.
  # An existing policy is left as it is.
  POLICY=/usr/sbin/policy-rc.d
  if [[ ! -e $POLICY ]]; then
    trap '$SUDO rm -f "$POLICY"' EXIT
    printf '#!/bin/sh\n# riptide scripts/deps.sh: no service starts during its install\nexit 101\n' |
      $SUDO tee "$POLICY" >/dev/null
    $SUDO chmod 755 "$POLICY"
  fi
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
  if [[ " ${missing[*]} " == *" prometheus "* ]]; then
    # Nor at boot; and stopped, should a policy that allows starts have let it run. Best effort:
    # none of this may fail the install (no systemd in a container, for one).
    if [[ -d /run/systemd/system ]]; then
      $SUDO systemctl disable --now prometheus.service >/dev/null 2>&1 || true
    else
      $SUDO deb-systemd-helper disable prometheus.service >/dev/null 2>&1 || true
      $SUDO update-rc.d prometheus disable >/dev/null 2>&1 || true
      if [[ -x /etc/init.d/prometheus ]]; then $SUDO /etc/init.d/prometheus stop >/dev/null 2>&1 || true; fi
    fi
  fi
fi
