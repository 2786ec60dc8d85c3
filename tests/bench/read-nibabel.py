"""Median time for nibabel to load a NIfTI file and read its voxels (scaled, as
get_fdata would, but in the stored type when unscaled: nibabel's fastest path)."""
import statistics
import sys
import time

import nibabel as nib
import numpy as np

t = []
for _ in range(7):
    t0 = time.perf_counter()
    img = nib.load(sys.argv[1])
    np.asanyarray(img.dataobj)
    t.append(time.perf_counter() - t0)
print(f"{statistics.median(t):.6f}")
