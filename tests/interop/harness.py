"""A tiny test harness for the interop suites: run functions, print one line per
failure, close with the line CI reads: `N passed, N failed`.

Run with Debian's /usr/bin/python3 (it has nibabel, pydicom, scikit-image).
"""
import os
import subprocess
import sys
import traceback

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", ".."))
SHARED = os.path.abspath(os.environ.get("SHARED", os.path.join(ROOT, "..", "shared")))
DATA = os.path.join(SHARED, "data")
OUT = os.path.join(ROOT, "tests", "out", "interop")
# The sanitizer build of the CLI: every interop run is also a memory-safety run on real files.
CLI = os.environ.get("SUPERVOX_CLI", os.path.join(ROOT, "build", "supervox-san"))

_results = {"passed": 0, "failed": 0}


def run_cli(*args):
    """Run the CLI; return (exit code, stdout, stderr)."""
    p = subprocess.run([CLI, *args], capture_output=True, text=True, timeout=300)
    return p.returncode, p.stdout, p.stderr


def check(name, fn, *args):
    try:
        fn(*args)
    except Exception as e:  # noqa: BLE001 — a harness reports every failure
        _results["failed"] += 1
        print(f"FAIL {name}: {e}")
        if os.environ.get("VERBOSE"):
            traceback.print_exc()
    else:
        _results["passed"] += 1
        print(f"ok   {name}")


def finish():
    print(f"{_results['passed']} passed, {_results['failed']} failed")
    sys.exit(1 if _results["failed"] else 0)
