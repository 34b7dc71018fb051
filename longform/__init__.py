"""Longform: long video, audio and PDFs in; structured, cited reports out.

One thread per numeric library, set before numpy, spaCy or onnxruntime load anywhere in the
process. On a 2-core machine the analysis processes already keep both cores busy; a main
process that also spreads BLAS work over threads slowed report building from ~5 s to minutes.
Values a user sets explicitly win.
"""

import os as _os

for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    _os.environ.setdefault(_name, "1")
