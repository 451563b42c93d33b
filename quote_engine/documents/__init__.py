"""Quote documents: a typed QuoteDocument rendered to HTML (Jinja2, Babel, distributor co-branding)."""

from quote_engine.documents.model import CoBranding, DocumentLine, Party, QuoteDocument
from quote_engine.documents.render import day, money, render_quote_html

__all__ = [
    "CoBranding",
    "DocumentLine",
    "Party",
    "QuoteDocument",
    "day",
    "money",
    "render_quote_html",
]
