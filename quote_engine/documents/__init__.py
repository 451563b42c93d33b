"""Documents: the end customer's quote and invoices as HTML (Jinja2, Babel, co-branding) and PDF."""

from quote_engine.documents.invoice import InvoiceDocument, InvoiceLine
from quote_engine.documents.model import Brand, DocumentLine, Party, QuoteDocument
from quote_engine.documents.pdf import html_to_pdf
from quote_engine.documents.render import day, money, render_invoice_html, render_quote_html

__all__ = [
    "Brand",
    "DocumentLine",
    "InvoiceDocument",
    "InvoiceLine",
    "Party",
    "QuoteDocument",
    "day",
    "html_to_pdf",
    "money",
    "render_invoice_html",
    "render_quote_html",
]
