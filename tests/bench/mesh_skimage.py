"""Time skimage.measure.marching_cubes on a label map, as bench_mesh.c times
ours, for the same closed surfaces (the mask padded by one background voxel,
spacing from the header). Prints JSON: one label on the whole volume (what
our full mesh does), median of 3; and every label present, each on its own
bounding box found by scipy.ndimage.find_objects in one pass (the cheapest
way to use skimage for it). Times in ms (wall clock, as bench_mesh.c).
Run with /usr/bin/python3: FILE LABEL."""
import json
import sys
import time

import nibabel as nib
import numpy as np
from scipy import ndimage
from skimage import measure

img = nib.load(sys.argv[1])
label = int(sys.argv[2])
data = np.asanyarray(img.dataobj)
zooms = tuple(float(z) for z in img.header.get_zooms()[:3])


def mesh(mask):
    v, f, _, _ = measure.marching_cubes(np.pad(mask, 1).astype(np.float32), 0.5, spacing=zooms)
    return len(f)


times = []
for _ in range(3):
    t0 = time.perf_counter()
    tris = mesh(data == label)
    times.append((time.perf_counter() - t0) * 1e3)
t0 = time.perf_counter()
total = 0
for value, box in enumerate(ndimage.find_objects(data), start=1):
    if box is not None:
        total += mesh(data[box] == value)
t_all = (time.perf_counter() - t0) * 1e3
print(json.dumps({"label": label, "triangles": tris, "full_ms": round(sorted(times)[1], 1),
                  "all_triangles": total, "all_ms": round(t_all, 1)}))
