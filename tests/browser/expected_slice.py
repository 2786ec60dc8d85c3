"""The demo's middle axial slice as a radiologist sees it, computed by nibabel
independently of Supervox: reorient to RAS, take the axial plane through the
storage middle of the S/I voxel axis, put anterior up and the patient's right
on the left. Prints JSON {width, height, values (row-major, scaled)}."""
import json
import sys

import nibabel as nib
import numpy as np

img = nib.load(sys.argv[1])
data = np.asanyarray(img.dataobj).astype(np.float64)
ornt = nib.orientations.io_orientation(img.affine)  # per voxel axis: (world axis, flip)
si_axis = int(np.where(ornt[:, 0] == 2)[0][0])
mid = img.shape[si_axis] // 2
canon = nib.as_closest_canonical(img)
cdata = np.asanyarray(canon.dataobj).astype(np.float64)
z = mid if ornt[si_axis, 1] > 0 else img.shape[si_axis] - 1 - mid
sl = cdata[:, :, z]            # [x (L->R), y (P->A)]
view = sl[::-1, ::-1].T        # rows: A at top; columns: R on the left
print(json.dumps({"width": view.shape[1], "height": view.shape[0], "values": view.ravel().tolist()}))
