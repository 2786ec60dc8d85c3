"""Time skimage.segmentation.slic on a NIfTI volume with the Dash app's
normalisation (intensities rescaled to [0, 1]), spacing-aware, as our
supervoxels are. Prints: seconds supervoxels."""
import sys
import time

import nibabel as nib
import numpy as np
from skimage.segmentation import slic

img = nib.load(sys.argv[1])
n, m = int(sys.argv[2]), float(sys.argv[3])
data = np.asanyarray(img.dataobj).astype(np.float64)
data = (data - data.min()) / max(1e-12, data.max() - data.min())
zooms = img.header.get_zooms()[:3]
t0 = time.perf_counter()
lab = slic(data, n_segments=n, compactness=m, channel_axis=None, spacing=zooms, start_label=1)
t = time.perf_counter() - t0
print(f"{t:.3f} {len(np.unique(lab))}")
