"""Pure image processing: bytes or ndarrays in, ndarrays or bytes out.

No Ray, no MongoDB, no HTTP, no environment reads. Conventions shared by every module here:
RGB images are `uint8` arrays of shape (H, W, 3) in sRGB; alpha mattes are `float32` (H, W) in 0..1;
RGBA cut-outs are `uint8` (H, W, 4) with straight (not premultiplied) alpha.
"""
