#!/usr/bin/env bash
# run-all.sh — every test suite, in order: C unit tests (ASan+UBSan), NIfTI
# interop against nibabel/nifti_tool, mesh interop against skimage/admesh,
# DICOM and PNG-stack interop against pydicom/nibabel, reorienting label maps
# onto an image's grid against nibabel, the wasm core in Node, the app in
# Chromium. Each suite's own output is shown; the last line totals them all
# as "N passed, N failed" and the exit status is non-zero if anything failed
# or a suite ran no test.
set -uo pipefail
cd "$(dirname "$0")/.."
export SHARED=${SHARED:-../shared}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
LOGDIR=tests/out/logs
mkdir -p "$LOGDIR"
passed=0 failed=0 broken=()

# run NAME CMD...: run one suite, add its counts from its closing lines
run() {
  local name=$1; shift
  local log=$LOGDIR/$name.log p f
  echo "=== $name: $*"
  "$@" 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}
  if p=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -1) && [ -n "$p" ]; then
    f=$(sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/' <<<"$p"); p=${p%% passed*}
  else # node's TAP reporter
    p=$(grep -E '^# pass [0-9]+' "$log" | tail -1 | awk '{print $3}')
    f=$(grep -E '^# fail [0-9]+' "$log" | tail -1 | awk '{print $3}')
  fi
  p=${p:-0} f=${f:-0}
  if [ "$rc" != 0 ] && [ "$f" = 0 ]; then f=1; fi   # crashed before counting
  if [ "$p" = 0 ] && [ "$f" = 0 ]; then broken+=("$name ran no test"); f=1; fi
  passed=$((passed + p)) failed=$((failed + f))
  [ "$f" != 0 ] && broken+=("$name")
  echo
}

run c-unit build/test_core
run interop /usr/bin/python3 tests/interop/test_nifti_interop.py
run interop-mesh /usr/bin/python3 tests/interop/test_mesh_interop.py
run interop-dicom-png /usr/bin/python3 tests/interop/test_dicom_png_interop.py
run interop-reorient /usr/bin/python3 tests/interop/test_reorient_interop.py
run node-wasm node --test --test-reporter=tap tests/node/
run browser node --test --test-reporter=tap --test-concurrency=1 tests/browser/

if ((${#broken[@]})); then echo "failing suites: ${broken[*]}"; fi
echo "all suites: $passed passed, $failed failed"
[ "$failed" = 0 ]
