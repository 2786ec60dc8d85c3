"""Make the benchmark volumes in tests/out/bench/: the demo brain padded to
256^3 (uint8, same voxel size, affine shifted so the brain stays in place),
a 256^3 int16 version of it scaled to CT-like values, and (given its label
map as a third argument) the brain's labels padded the same way
(aseg256.nii.gz). Run with /usr/bin/python3."""
import os
import sys

import nibabel as nib
import numpy as np

src, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
img = nib.load(src)
data = np.asanyarray(img.dataobj)
pad = [(256 - s) // 2 for s in data.shape]
big = np.zeros((256, 256, 256), dtype=np.uint8)
big[pad[0]:pad[0] + data.shape[0], pad[1]:pad[1] + data.shape[1], pad[2]:pad[2] + data.shape[2]] = data
aff = img.affine.copy()
aff[:3, 3] -= aff[:3, :3] @ np.array(pad, dtype=float)
nib.save(nib.Nifti1Image(big, aff), os.path.join(out, "brain256.nii.gz"))
ct = (big.astype(np.int16) * 12 - 1000).astype(np.int16)
nib.save(nib.Nifti1Image(ct, aff), os.path.join(out, "brain256_int16.nii.gz"))
if len(sys.argv) > 3:
    lab = np.asanyarray(nib.load(sys.argv[3]).dataobj).astype(np.uint8)
    big = np.zeros((256, 256, 256), dtype=np.uint8)
    big[pad[0]:pad[0] + lab.shape[0], pad[1]:pad[1] + lab.shape[1], pad[2]:pad[2] + lab.shape[2]] = lab
    limg = nib.Nifti1Image(big, aff)
    limg.header["intent_code"] = 1002
    nib.save(limg, os.path.join(out, "aseg256.nii.gz"))
print("volumes in", out)
