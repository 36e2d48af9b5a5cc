"""Writes opencv.txt: inputs and OpenCV's outputs for tests/opencv.rs.

    python3 -m venv venv && venv/bin/pip install numpy opencv-python-headless
    venv/bin/python tests/data/opencv.py > tests/data/opencv.txt

Every case is two lines: `case NAME DTYPE WIDTH HEIGHT CHANNELS ARGS...`
and the output samples (row by row, channels interleaved), space-separated.
Inputs are `input NAME DTYPE WIDTH HEIGHT CHANNELS` and their samples.
f32 values are written with repr(), which round-trips exactly.
"""
import cv2
import numpy as np

rng = np.random.default_rng(2026)
inputs = {
    "gray": rng.integers(0, 256, size=(19, 31), dtype=np.uint8),
    "color": rng.integers(0, 256, size=(13, 17, 3), dtype=np.uint8),
    "float": rng.random((7, 13), dtype=np.float32) * np.float32(200) - np.float32(100),
}
# A smoother gray image (a blurred ramp with a bright square) exercises
# the half-way roundings less than noise does, more like a photograph.
y, x = np.mgrid[0:19, 0:31]
smooth = (x * 7 + y * 3) % 256
smooth[5:12, 9:20] = 250
inputs["smooth"] = smooth.astype(np.uint8)

borders = {
    "reflect101": cv2.BORDER_REFLECT_101,
    "replicate": cv2.BORDER_REPLICATE,
    "reflect": cv2.BORDER_REFLECT,
    "constant0": cv2.BORDER_CONSTANT,
}


def dims(img):
    h, w = img.shape[:2]
    c = img.shape[2] if img.ndim == 3 else 1
    return w, h, c


def dtype(img):
    return {np.dtype(np.uint8): "u8", np.dtype(np.int16): "i16", np.dtype(np.float32): "f32"}[img.dtype]


def samples(img):
    flat = img.reshape(-1)
    if img.dtype == np.float32:
        return " ".join(repr(float(v)) for v in flat)
    return " ".join(str(int(v)) for v in flat)


def emit(kind, name, img, args=""):
    w, h, c = dims(img)
    print(f"{kind} {name} {dtype(img)} {w} {h} {c} {args}".rstrip())
    print(samples(img))


print(f"# OpenCV {cv2.__version__}, numpy {np.__version__}: python3 tests/data/opencv.py")
for name, img in inputs.items():
    emit("input", name, img)

for src in ["gray", "smooth", "color", "float"]:
    img = inputs[src]
    for sigma in [0.8, 1.5, 2.7]:
        out = cv2.GaussianBlur(img, (0, 0), sigma, borderType=cv2.BORDER_REFLECT_101)
        emit("case", f"{src}", out, f"gaussian sigma={sigma!r} border=reflect101")
for border, code in borders.items():
    out = cv2.GaussianBlur(inputs["gray"], (0, 0), 1.2, borderType=code)
    emit("case", "gray", out, f"gaussian sigma=1.2 border={border}")
for ksize in [3, 5, 7]:
    out = cv2.GaussianBlur(inputs["gray"], (ksize, ksize), 0, borderType=cv2.BORDER_REFLECT_101)
    emit("case", "gray", out, f"gaussian_sized size={ksize} sigma=0 border=reflect101")

for src in ["gray", "color", "float"]:
    img = inputs[src]
    depth = cv2.CV_32F if img.dtype == np.float32 else cv2.CV_16S
    for dx, dy, ksize in [(1, 0, 3), (0, 1, 3), (1, 0, 5), (2, 0, 3), (1, 1, 3), (1, 0, 1), (0, 2, 7)]:
        out = cv2.Sobel(img, depth, dx, dy, ksize=ksize, borderType=cv2.BORDER_REFLECT_101)
        emit("case", src, out, f"sobel dx={dx} dy={dy} ksize={ksize} border=reflect101")
    for dx, dy in [(1, 0), (0, 1)]:
        out = cv2.Scharr(img, depth, dx, dy, borderType=cv2.BORDER_REFLECT_101)
        emit("case", src, out, f"scharr dx={dx} dy={dy} border=reflect101")
    for ksize in [1, 3, 5]:
        out = cv2.Laplacian(img, depth, ksize=ksize, borderType=cv2.BORDER_REFLECT_101)
        emit("case", src, out, f"laplacian ksize={ksize} border=reflect101")
    for size in [3, 4, 5]:
        out = cv2.blur(img, (size, size), borderType=cv2.BORDER_REFLECT_101)
        emit("case", src, out, f"box size={size} border=reflect101")
out = cv2.Sobel(inputs["gray"], cv2.CV_16S, 1, 0, ksize=3, borderType=cv2.BORDER_REPLICATE)
emit("case", "gray", out, "sobel dx=1 dy=0 ksize=3 border=replicate")
