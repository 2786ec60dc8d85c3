#!/usr/bin/env bash
# deps.sh — install what Supervox needs, idempotently (called by `make deps`).
#
# 1. Debian packages that are missing (needs root; apt-get update only if something is missing).
# 2. npm packages (`npm ci`, only when package-lock.json differs from the one last installed).
# 3. zlib and libpng built for wasm from Debian's source packages into
#    wasm-build/third_party/ (ignored by git), once: lib/ for the single-threaded
#    core, lib-mt/ built with -pthread for the threaded one (objects linked into
#    a -pthread build must be compiled with it: shared memory and atomics).
#
# A second run does nothing and takes a few seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
TP=$ROOT/wasm-build/third_party
export NODE_PATH=/usr/share/nodejs # Debian's emcc needs its node modules (acorn) on this path

log() { printf 'deps: %s\n' "$*"; }

# --- 1. Debian packages ------------------------------------------------------
PKGS=(build-essential dpkg-dev clang libclang-rt-14-dev emscripten libstb-dev zlib1g-dev libpng-dev
      chromium python3-nibabel python3-pydicom python3-skimage python3-scipy python3-pil nifti-bin admesh)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  if [ "$(id -u)" != 0 ]; then
    echo "deps: missing Debian packages: ${missing[*]}" >&2
    echo "deps: run 'make deps' as root (or: sudo apt-get install ${missing[*]})" >&2
    exit 1
  fi
  log "installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
command -v node >/dev/null || { echo "deps: node (v20) is needed" >&2; exit 1; }

# --- 2. npm ------------------------------------------------------------------
# Installed = node_modules/.supervox-lock holds the lock file's hash (its date
# says nothing in a fresh checkout or a git worktree).
lock=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ "$(cat node_modules/.supervox-lock 2>/dev/null)" != "$lock" ]; then
  log "npm ci"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$lock" > node_modules/.supervox-lock
fi

# --- 3. zlib + libpng for wasm -----------------------------------------------
if [ -f "$TP/lib/libz.a" ] && [ -f "$TP/lib/libpng16.a" ] && [ -f "$TP/lib-mt/libz.a" ] && [ -f "$TP/lib-mt/libpng16.a" ]; then
  exit 0
fi
mkdir -p "$TP/src" "$TP/lib" "$TP/lib-mt" "$TP/include"
cd "$TP/src"
if ! ls -d zlib-*/ >/dev/null 2>&1 || ! ls -d libpng1.6-*/ >/dev/null 2>&1; then
  if [ "$(id -u)" != 0 ]; then
    echo "deps: fetching Debian source packages needs root (apt-get); run 'make deps' as root" >&2
    exit 1
  fi
  # A temporary deb-src entry: Debian's archive is the only source we can reach.
  SRC=/etc/apt/sources.list.d/supervox-src.sources
  cat >"$SRC" <<'EOF'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  trap 'rm -f "$SRC"; apt-get update -qq || true' EXIT
  log "fetching zlib and libpng sources from Debian"
  apt-get update -qq
  rm -rf zlib-* libpng1.6-* zlib_* libpng1.6_*
  for pkg in zlib libpng1.6; do
    apt-get source -qq "$pkg" >"$TP/src/$pkg.log" 2>&1 || { cat "$TP/src/$pkg.log" >&2; exit 1; }
  done
  rm -f "$SRC"
  trap - EXIT
  apt-get update -qq
fi
ZSRC=$(ls -d "$TP"/src/zlib-*/ | head -1)
PSRC=$(ls -d "$TP"/src/libpng1.6-*/ | head -1)

# build_libs LIBDIR FLAGS...: zlib and libpng compiled with FLAGS into $TP/LIBDIR
build_libs() {
  local out=$TP/$1
  shift
  [ -f "$out/libz.a" ] && [ -f "$out/libpng16.a" ] && return 0
  log "building zlib for wasm from $(basename "$ZSRC") into $(basename "$out") ($*)"
  ZB=$TP/build/zlib-$(basename "$out")
  rm -rf "$ZB" && mkdir -p "$ZB" "$out"
  # zconf.h as ./configure would leave it: unistd.h and stdarg.h switched on
  sed -e 's|^#ifdef HAVE_UNISTD_H .*|#if 1|' \
      -e 's|^#ifdef HAVE_STDARG_H .*|#if 1|' \
      "$ZSRC/zconf.h" >"$TP/include/zconf.h"
  cp "$ZSRC/zlib.h" "$TP/include/"
  for f in adler32 compress crc32 deflate gzclose gzlib gzread gzwrite infback inffast inflate inftrees trees uncompr zutil; do
    emcc -O3 -msimd128 "$@" -DHAVE_UNISTD_H -DHAVE_STDARG_H -DHAVE_HIDDEN -I"$TP/include" -c "$ZSRC/$f.c" -o "$ZB/$f.o"
  done
  rm -f "$out/libz.a"
  emar rcs "$out/libz.a" "$ZB"/*.o

  log "building libpng for wasm from $(basename "$PSRC") into $(basename "$out")"
  PB=$TP/build/png-$(basename "$out")
  rm -rf "$PB" && mkdir -p "$PB"
  ZVER=$(sed -n 's/^#define ZLIB_VERNUM 0x\([0-9a-f]*\).*/\1/p' "$ZSRC/zlib.h")
  sed -e "s/^#define PNG_ZLIB_VERNUM .*/#define PNG_ZLIB_VERNUM 0x$ZVER/" \
      "$PSRC/scripts/pnglibconf.h.prebuilt" >"$TP/include/pnglibconf.h"
  cp "$PSRC/png.h" "$PSRC/pngconf.h" "$TP/include/"
  for f in png pngerror pngget pngmem pngpread pngread pngrio pngrtran pngrutil pngset pngtrans pngwio pngwrite pngwtran pngwutil; do
    emcc -O3 -msimd128 "$@" -DPNG_ARM_NEON_OPT=0 -DPNG_INTEL_SSE_OPT=0 -I"$TP/include" -c "$PSRC/$f.c" -o "$PB/$f.o"
  done
  rm -f "$out/libpng16.a"
  emar rcs "$out/libpng16.a" "$PB"/*.o
}
build_libs lib
build_libs lib-mt -pthread
log "wasm libraries ready in wasm-build/third_party/lib and lib-mt"
