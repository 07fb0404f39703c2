#!/usr/bin/env bash
# Installs every build and test dependency of NeuralView from Debian 12 packages.
# Idempotent: when all packages are already present it returns within a second or two.
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build pkg-config clang-format git
  # ParaView 5.11 and everything its CMake config needs (see DESIGN.md)
  paraview paraview-dev python3-paraview
  qtbase5-dev qttools5-dev libqt5svg5-dev libqt5opengl5-dev libqt5x11extras5-dev
  qtxmlpatterns5-dev-tools libqt5xmlpatterns5-dev libhdf5-openmpi-dev libnetcdf-dev
  libboost-dev libexpat1-dev libeigen3-dev libavcodec-dev libavformat-dev
  libswscale-dev libavutil-dev libfreetype-dev libgdal-dev libgl2ps-dev libglew-dev
  libjpeg-dev liblz4-dev liblzma-dev libxml2-dev libpng-dev python3-dev
  libtheora-dev libtiff-dev libx11-dev zlib1g-dev libdouble-conversion-dev
  libutfcpp-dev python3-mpi4py libgl-dev
  # deep-learning core, MPI, model files
  libdnnl-dev libopenmpi-dev openmpi-bin libonnx-dev libprotobuf-dev protobuf-compiler
  nlohmann-json3-dev libfftw3-dev
  # tests
  libgtest-dev xvfb xauth
  # oracles and benchmark peers (never runtime dependencies)
  python3-torch python3-sklearn python3-onnx python3-h5py python3-netcdf4
  python3-numpy python3-opencv libopenblas0-pthread
  # climate tests (connected components) and example plots
  python3-scipy python3-matplotlib
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${#missing[@]} packages: ${missing[*]}"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
