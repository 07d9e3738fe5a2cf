#!/usr/bin/env bash
# The Debian packages rill builds against, carried to a machine that lacks them (the GPU
# machine of cuda/run_gpu_checks.sh: nvcc, CMake and ninja, but none of Debian's -dev
# packages and no network).
#
#   bash cuda/gpu_deps.sh download          # here (Debian 12, apt works): .debs into .gpu-debs/
#   bash cuda/gpu_deps.sh unpack PREFIX     # there: dpkg -x each .deb into PREFIX
#
# `download` fetches the .deb files of the list below with `apt-get download` (no install,
# no root needed beyond apt's cache) into .gpu-debs/ at the repository root, which git
# ignores; the device tool takes it along when its `carry` names ".gpu-debs" (about 15 MB
# of its 64 MiB). `unpack` extracts them with `dpkg -x` into PREFIX (PREFIX/usr/include,
# PREFIX/usr/lib/x86_64-linux-gnu, ...), nothing installed system-wide, and rewrites the
# files that name absolute paths (OpenBLAS's CMake config, "/usr/..." -> PREFIX/usr/...,
# and absolute symbolic links such as zlib's libz.so).
# CMake is then pointed at PREFIX/usr with CMAKE_PREFIX_PATH (run_gpu_checks.sh does it).
#
# The list is what CMakeLists.txt and its subfolders find_package, with the libraries
# those need at run time that a machine without Debian may lack:
#   OpenBLAS (OpenMP build)   libopenblas-openmp-dev libopenblas0-openmp
#                             libgfortran5 libquadmath0 (OpenBLAS's LAPACK part links them)
#   fmt                       libfmt-dev libfmt9
#   Catch2 (v2), CLI11, JSON  catch2 libcli11-dev nlohmann-json3-dev (header-only)
#   zlib, libpng              zlib1g-dev zlib1g libpng-dev libpng16-16
# Not carried: libgomp1 (OpenMP comes with the host's own GCC, which nvcc needs anyway;
# an older copy first on the library path could shadow the newer one), MPI (the GPU run
# builds without it), dataset-fashion-mnist (the tests make their own tiny data sets).
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(libopenblas-openmp-dev libopenblas0-openmp libgfortran5 libquadmath0 libfmt-dev libfmt9
          catch2 libcli11-dev nlohmann-json3-dev zlib1g-dev zlib1g libpng-dev libpng16-16)
DEBS=.gpu-debs

case "${1:-}" in
  download)
    mkdir -p "$DEBS"
    rm -f "$DEBS"/*.deb
    # apt-get download writes into the current folder; as root it warns that the _apt
    # user cannot write there (harmless: it downloads unsandboxed).
    (cd "$DEBS" && apt-get download "${PACKAGES[@]}" 2>&1 | grep -v "unsandboxed" || true)
    # "zlib1g_1%3a1.2.13..." (the epoch "1:" escaped): plain names travel anywhere.
    for f in "$DEBS"/*%3a*.deb; do [ -e "$f" ] && mv "$f" "${f//%3a/_}"; done
    n=$(ls "$DEBS"/*.deb | wc -l)
    [ "$n" -eq "${#PACKAGES[@]}" ] || { echo "gpu_deps.sh: expected ${#PACKAGES[@]} .deb files, got $n" >&2; exit 1; }
    du -b "$DEBS"/*.deb | awk '{ printf "%9.1f KiB  %s\n", $1 / 1024, $2; total += $1 }
                              END { printf "%9.1f MiB  in all (the device tool carries at most 64 MiB)\n", total / 1048576 }'
    ;;
  unpack)
    PREFIX=${2:?"usage: gpu_deps.sh unpack PREFIX"}
    ls "$DEBS"/*.deb > /dev/null 2>&1 || { echo "gpu_deps.sh: no .deb files in $DEBS (run 'download' first, carry it)" >&2; exit 1; }
    mkdir -p "$PREFIX"
    PREFIX=$(cd "$PREFIX" && pwd)
    for deb in "$DEBS"/*.deb; do
      if command -v dpkg > /dev/null; then
        dpkg -x "$deb" "$PREFIX"
      else  # a .deb is an ar archive; its files are in data.tar.xz
        ar p "$deb" data.tar.xz | tar -xJ -C "$PREFIX"
      fi
    done
    # Absolute symbolic links point into the prefix, not at this machine's files: zlib1g-dev's
    # usr/lib/<arch>/libz.so -> /lib/<arch>/libz.so.1.2.13 would dangle (or pick another
    # version) where zlib is not that exact Debian package.
    find "$PREFIX" -type l -lname '/*' | while read -r link; do
      ln -sfn "$PREFIX$(readlink "$link")" "$link"
    done
    # Debian's OpenBLASConfig.cmake names /usr/include/... and /usr/lib/... outright.
    for f in "$PREFIX"/usr/lib/*/openblas-openmp/cmake/openblas/OpenBLASConfig.cmake; do
      sed -i "s| /usr/| $PREFIX/usr/|g" "$f"
    done
    echo "unpacked $(ls "$DEBS"/*.deb | wc -l) packages into $PREFIX"
    ;;
  *)
    sed -n '2,13p' "$0"
    exit 2
    ;;
esac
