#!/usr/bin/env bash
# Installs everything riptide needs to build, test, benchmark and run the demo on Debian 12.
set -euo pipefail
PKGS=(
  build-essential cmake ninja-build pkg-config clang-14 libclang-rt-14-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libpcap-dev libcli11-dev nlohmann-json3-dev libconcurrentqueue-dev libreaderwriterqueue-dev
  tshark tcpdump netsniff-ng softflowd pmacct nfdump
  iproute2 procps util-linux libcap2-bin ethtool python3 gnuplot-nox time
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
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
