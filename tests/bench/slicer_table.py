"""Format slicer-bench.mjs's JSON (stdin) as a Markdown table."""
import json
import sys

r = json.load(sys.stdin)
d, f, b = r["slice_draw_ms"], r["scroll_frame_ms"], r["brush_to_screen_ms"]
rows = [
    ("page start to first slice on screen", f"{r['first_slice_ms']} ms", "< 1000 ms"),
    ("download start to first slice on screen", f"{r['download_to_first_slice_ms']} ms", "< 1000 ms"),
    ("slice redraw (median / p95)", f"{d['median']} / {d['p95']} ms", "< 16 ms"),
    ("frame time scrolling one slice per frame (median / p95)", f"{f['median']} / {f['p95']} ms", "display rate (16.7 ms)"),
    ("brush segment: worker paints, page copy patched (median / p95)", "{median} / {p95} ms".format(**r["brush_roundtrip_ms"]), "well under a frame"),
    ("brush segment to screen, incl. waiting for the next frame (median / p95)", f"{b['median']} / {b['p95']} ms", "one frame (16.7 ms)"),
    ("undo / redo of that stroke to screen, incl. the next frame (median / p95 of 8; the first, right after the stroke)",
     "{median} / {p95} ms ({first} ms)".format(**r["undo_to_screen_ms"]), "one frame (16.7 ms)"),
    ("main-thread tasks over 50 ms: page start-up (before the volume)", "{} (longest {} ms)".format(*r["long_tasks_startup"]), "-"),
    ("main-thread tasks over 50 ms: loading the volume and starting the 3D view", "{} (longest {} ms)".format(*r["long_tasks_loading"]), "0"),
    ("the same, by the main thread's CPU time (page start to 3D view ready)", "{} (longest {} ms)".format(*r["long_tasks_loading_cpu"]), "0"),
    ("main-thread tasks over 50 ms: scrolling, brushing, undo", "{} (longest {} ms)".format(*r["long_tasks_tools"]), "0"),
]
print("| measure | value | budget |")
print("|---|---|---|")
for row in rows:
    print("| " + " | ".join(row) + " |")
