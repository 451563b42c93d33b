"""Brand colours made readable: text on a brand colour, and a brand colour as text, meet WCAG AA."""

from __future__ import annotations

from dataclasses import dataclass

from quote_engine.documents import Brand

DEFAULT_PRIMARY = "#1F3A93"
DEFAULT_SECONDARY = "#F5F7FA"
_INK = "#1A1A1A"
_WHITE = "#FFFFFF"
#: WCAG 2 AA contrast for normal text.
AA = 4.5


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.03928 else float(((c + 0.055) / 1.055) ** 2.4)


def luminance(colour: str) -> float:
    """WCAG relative luminance of a ``#RGB`` or ``#RRGGBB`` colour."""
    hexa = colour.lstrip("#")
    if len(hexa) == 3:
        hexa = "".join(c * 2 for c in hexa)
    r, g, b = (int(hexa[i : i + 2], 16) for i in (0, 2, 4))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two colours (1 to 21)."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


@dataclass(frozen=True)
class Palette:
    """The colours a page uses: the brand's, and text colours chosen to stay readable on them."""

    primary: str
    on_primary: str
    primary_text: str
    secondary: str
    cobrand: str
    """The distributor's primary colour (the co-branding's accent), else ``primary``."""


def palette(brand: Brand | None, cobrand: Brand | None = None) -> Palette:
    """The page's palette from the seller's brand (else the distributor's, else channelsync's).

    The distributor's own primary colour marks its co-branding even under the seller's brand.
    """
    chosen = brand or cobrand
    primary = chosen.primary_color if chosen else DEFAULT_PRIMARY
    secondary = chosen.secondary_color if chosen else DEFAULT_SECONDARY
    on_primary = _WHITE if contrast(primary, _WHITE) >= contrast(primary, _INK) else _INK
    primary_text = primary if contrast(primary, _WHITE) >= AA else _INK
    if contrast(secondary, _INK) < AA:  # a dark secondary colour behind dark text: drop it
        secondary = DEFAULT_SECONDARY
    accent = cobrand.primary_color if cobrand else primary
    return Palette(primary, on_primary, primary_text, secondary, accent)
