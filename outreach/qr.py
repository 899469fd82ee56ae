"""The QR code of a tagged link's short address, made with the ``qrcode`` library: an SVG to
show inline (no script, no style attribute: nothing the Content Security Policy blocks) and to
download, and a PNG to download."""

import io

import qrcode
import qrcode.image.svg
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# Medium error correction: a printed poster survives a crease or a drawing pin.
ERROR_CORRECTION = qrcode.constants.ERROR_CORRECT_M
BORDER = 4  # the quiet zone the standard asks for, in modules


def _code(url: str) -> qrcode.QRCode:
    code = qrcode.QRCode(error_correction=ERROR_CORRECTION, border=BORDER)
    code.add_data(url)
    code.make(fit=True)
    return code


def svg(url: str, *, millimetres_per_module: int = 1) -> str:
    """The QR code of ``url`` as an ``<svg>`` element (one path, black on transparent), sized
    ``millimetres_per_module`` mm per module."""
    image = _code(url).make_image(image_factory=qrcode.image.svg.SvgPathImage)
    text = image.to_string(encoding="unicode")
    size = image.width + 2 * BORDER  # in modules, the quiet zone included
    return text.replace(
        f'<svg width="{size}mm" height="{size}mm"',
        f'<svg width="{size * millimetres_per_module}mm" '
        f'height="{size * millimetres_per_module}mm"',
        1,
    )


def inline_svg(url: str, *, label: str) -> SafeString:
    """The QR code to put in a page: sized by the page's CSS (class ``qr-code``), and read out
    as an image with ``label`` as its text."""
    _size, attributes = svg(url).split(" version=", 1)
    # The library's markup (numbers and a path) and the escaped label: nothing else.
    return mark_safe(  # noqa: S308
        f'<svg class="qr-code" role="img" aria-label="{escape(label)}" version={attributes}'
    )


def png(url: str, *, pixels_per_module: int = 20) -> bytes:
    """The QR code of ``url`` as a PNG image, ``pixels_per_module`` pixels a module (large
    enough to print on A4)."""
    code = _code(url)
    code.box_size = pixels_per_module
    buffer = io.BytesIO()
    code.make_image().save(buffer, format="PNG")
    return buffer.getvalue()
