#!/usr/bin/env bash
# Installs the Debian packages rill builds against, if any is missing (idempotent: a
# machine that has them all is left alone, without touching the network).
#   compiler and build:  build-essential cmake pkg-config (scripts/install_check.sh uses it)
#   libraries:           OpenBLAS (its OpenMP build), fmt, CLI11, nlohmann-json, zlib, libpng;
#                        Cairo and giflib (the programs' plots, grids and animations)
#   tests:               catch2; Open MPI for the communicator's tests under mpiexec; chromium
#                        (renders report.html in a test; without it that test is skipped)
#   data:                dataset-fashion-mnist (the image program's default dataset)
# Extra packages can be named as arguments (e.g. clang-14 for the fuzzers).
set -euo pipefail
packages=(build-essential cmake pkg-config libopenblas-dev libopenblas-openmp-dev libfmt-dev catch2 nlohmann-json3-dev
          libcli11-dev zlib1g-dev libpng-dev libcairo2-dev libgif-dev dataset-fashion-mnist libopenmpi-dev openmpi-bin
          chromium "$@")
if dpkg -s "${packages[@]}" > /dev/null 2>&1; then exit 0; fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get install -y -q --no-install-recommends "${packages[@]}" ||
  { $sudo apt-get update -q && $sudo apt-get install -y -q --no-install-recommends "${packages[@]}"; }
