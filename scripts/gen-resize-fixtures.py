#!/usr/bin/env python3
"""Regenerates test/fixtures/resize-cv2.json: cv2.resize outputs for small uint8 HWC images.

Needs numpy and opencv-python(-headless) (checked identical with 4.14.0 and 5.0.0 on x86-64).
Not run by the test suite: the fixture file is committed. Usage: python3 scripts/gen-resize-fixtures.py
"""
import base64, json, os
import cv2
import numpy as np

rng = np.random.RandomState(0)
FLAGS = {'area': cv2.INTER_AREA, 'bilinear': cv2.INTER_LINEAR, 'nearest': cv2.INTER_NEAREST}
# (src h, src w, channels, dst h, dst w): non-integer and integer shrinks (2x2 and 3x3 blocks),
# enlarging, mixed (shrink one axis, enlarge the other), 1-4 channels, identity.
SIZES = [(7, 5, 1, 3, 2), (10, 10, 3, 5, 5), (9, 9, 1, 3, 3), (4, 6, 1, 8, 9), (5, 7, 3, 9, 3),
         (6, 8, 1, 3, 4), (12, 12, 1, 4, 6), (20, 30, 3, 7, 11), (3, 3, 1, 7, 5), (8, 8, 4, 4, 4),
         (16, 40, 1, 8, 20), (2, 2, 1, 1, 1), (6, 6, 3, 2, 3), (5, 5, 1, 5, 3), (30, 17, 2, 13, 29),
         (40, 40, 1, 8, 8), (5, 5, 3, 5, 5)]
cases = []
for sh, sw, c, dh, dw in SIZES:
    for kind in ('noise', 'gradient'):
        if kind == 'noise':
            img = rng.randint(0, 256, size=(sh, sw, c)).astype(np.uint8)
        else:
            img = ((np.arange(sh * sw * c).reshape(sh, sw, c) * 37) % 256).astype(np.uint8)
        for name, flag in FLAGS.items():
            out = cv2.resize(img if c > 1 else img[:, :, 0], (dw, dh), interpolation=flag)
            cases.append({'src_shape': [sh, sw, c], 'dst_shape': [dh, dw, c], 'interpolation': name, 'kind': kind,
                          'src': base64.b64encode(img.tobytes()).decode(), 'dst': base64.b64encode(out.tobytes()).decode()})
doc = {'format': 'tfgym-resize-cv2-v1', 'source': f'cv2.resize, opencv {cv2.__version__}, numpy {np.__version__}',
       'encoding': 'base64 of raw uint8 bytes, row-major HWC', 'cases': cases}
path = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'resize-cv2.json')
with open(path, 'w') as f:
    json.dump(doc, f, indent=0)
print(len(cases), 'cases ->', path)
