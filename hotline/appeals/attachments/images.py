"""Checking, cleaning and shrinking uploaded photos (Pillow; HEIC through pillow-heif).

The content decides, never the file name: the bytes must open as JPEG, PNG, WebP or HEIC,
within the size and pixel limits (a decompression bomb is refused before it is decoded).
GPS is read from EXIF first; then the picture is re-encoded with no metadata at all (no
EXIF, no XMP, no ICC profile, orientation applied), no side longer than STORED_SIDE.

Memory is bounded per picture: a JPEG (what phone cameras send, up to `max_pixels`) is
decoded at 1/2, 1/4 or 1/8 scale straight to at most STORED_SIDE a side, so a 40 MP photo
costs what a 12 MP one does; PNG, WebP and HEIC cannot be decoded reduced, so they are
held to `max_whole_pixels` (a phone's 24 MP HEIC passes, a 40 MP PNG bomb does not); PNG
text chunks may inflate to 1 MB in all. How many pictures a process decodes at once is
bounded by the caller (`operations.cleaned`)."""

from __future__ import annotations

import contextlib
import ctypes
import io
import sys
import warnings
from dataclasses import dataclass
from typing import Any

from PIL import Image, ImageOps, PngImagePlugin, UnidentifiedImageError

try:  # HEIC is taken only where it can be decoded
    import pillow_heif

    pillow_heif.register_heif_opener()
    HEIC = True
except ImportError:  # pragma: no cover - pinned in requirements.txt
    HEIC = False

# Uploaded format → (stored format, content type, extension). Browsers do not show HEIC,
# so it is stored as JPEG.
STORED = {
    "JPEG": ("JPEG", "image/jpeg", "jpg"),
    "PNG": ("PNG", "image/png", "png"),
    "WEBP": ("WEBP", "image/webp", "webp"),
    "HEIF": ("JPEG", "image/jpeg", "jpg"),
}
THUMBNAIL = (320, 320)
GPS_IFD = 0x8825
STORED_SIDE = 4096  # evidence enough for any problem on a street; 16.7 MP at most
PngImagePlugin.MAX_TEXT_MEMORY = 1024 * 1024  # Pillow's default lets text inflate to 64 MB
M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter


def _return_large_blocks_to_the_system() -> None:
    """Pillow holds a picture in 16 MB blocks. glibc raises its mmap threshold after the
    first such block is freed, so later ones come from per-thread arenas that keep them:
    eight threads each kept their largest picture (1.9 GB after eight uploads, though they
    were decoded one at a time). A fixed threshold maps every large block and unmaps it
    when freed."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):  # not glibc (e.g. musl): nothing to tune
            ctypes.CDLL("libc.so.6").mallopt(M_MMAP_THRESHOLD, 1024 * 1024)


_return_large_blocks_to_the_system()


class ImageRejected(ValueError):
    """Why an upload is not a picture we take (the message is shown to the user)."""


@dataclass(frozen=True)
class CleanImage:
    data: bytes
    content_type: str
    extension: str
    original_format: str
    width: int
    height: int
    gps: tuple[float, float] | None  # (lat, lon), WGS84 as phones record it


def clean(data: bytes, *, max_bytes: int, max_pixels: int, max_whole_pixels: int) -> CleanImage:
    if not data:
        raise ImageRejected("文件为空")
    if len(data) > max_bytes:
        limit = f"{max_bytes / 1024 / 1024:g} MB" if max_bytes >= 1024 * 1024 else f"{max_bytes // 1024} KB"
        raise ImageRejected(f"图片不能超过 {limit}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))  # reads the header only
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageRejected(_unknown_format(data)) from None
    except (OSError, SyntaxError, ValueError) as exc:  # ValueError: a text chunk that inflates too far
        raise ImageRejected(f"图片已损坏，无法读取（{exc}）") from None
    original = image.format
    if original not in STORED:
        raise ImageRejected(f"不支持 {original} 格式，请上传 JPEG、PNG、WebP 或 HEIC 照片")
    width, height = image.size
    cap = max_pixels if original == "JPEG" else max_whole_pixels
    if width * height > cap:
        raise ImageRejected(f"图片像素过多（{width}×{height}），上限为 {cap // 1_000_000} 百万像素")
    gps = _gps(image)
    try:
        if original == "JPEG":
            scale = _jpeg_scale(max(width, height))
            image.draft(None, (max(1, width // scale), max(1, height // scale)))
        image.load()
        # a photo needs no transparency, and resizing RGBA takes two more copies
        picture = image if image.mode in ("RGB", "L") else _opaque(image)
        picture.thumbnail((STORED_SIDE, STORED_SIDE), reducing_gap=None)  # in place
        ImageOps.exif_transpose(picture, in_place=True)
    except (OSError, SyntaxError, ValueError) as exc:
        raise ImageRejected(f"图片已损坏，无法读取（{exc}）") from None
    stored_format, content_type, extension = STORED[original]
    return CleanImage(
        _encode(picture, stored_format), content_type, extension, original, picture.width, picture.height, gps
    )


def _opaque(image: Image.Image) -> Image.Image:
    exif = image.getexif()
    rgb = image.convert("RGB")
    image.close()  # the decoded original is freed now, not after the encoding
    rgb.info["exif"] = exif.tobytes()  # for the orientation; dropped again when encoded
    return rgb


def _jpeg_scale(longest: int) -> int:
    """The JPEG decoder's reduction (1, 2, 4 or 8) that brings `longest` to STORED_SIDE."""
    scale = 1
    while scale < 8 and longest > STORED_SIDE * scale:
        scale *= 2
    return scale


def _unknown_format(data: bytes) -> str:
    head = data[:12]
    if head[4:12] in (b"ftypheic", b"ftypheix", b"ftypmif1", b"ftyphevc") and not HEIC:
        return "无法解码 HEIC 照片：请在手机相机设置中选择“兼容性最佳”，或转换为 JPEG 后上传"
    return "不是可识别的图片，请上传 JPEG、PNG、WebP 或 HEIC 照片"


def _encode(image: Image.Image, fmt: str) -> bytes:
    """Re-encode without any metadata."""
    image.info = {}
    out = io.BytesIO()
    options: dict[str, dict[str, Any]] = {
        "JPEG": {"quality": 88, "optimize": True},
        "PNG": {},  # zlib's default level: `optimize` costs seconds on a large picture
        "WEBP": {"quality": 85},
    }
    image.save(out, fmt, **options[fmt])
    return out.getvalue()


def _gps(image: Image.Image) -> tuple[float, float] | None:
    try:
        gps = image.getexif().get_ifd(GPS_IFD)
    except Exception:  # broken EXIF is not a broken picture
        return None
    try:
        lat = _degrees(gps[2]) * (-1 if str(gps.get(1, "N")).upper().startswith("S") else 1)
        lon = _degrees(gps[4]) * (-1 if str(gps.get(3, "E")).upper().startswith("W") else 1)
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or (lat == 0 and lon == 0):
        return None
    return round(lat, 7), round(lon, 7)


def _degrees(value) -> float:
    d, m, s = (float(v) for v in value)
    return d + m / 60 + s / 3600


def thumbnail(data: bytes) -> bytes:
    image = Image.open(io.BytesIO(data))
    image.thumbnail(THUMBNAIL)
    return _encode(image if image.mode in ("RGB", "L") else image.convert("RGB"), "JPEG")
