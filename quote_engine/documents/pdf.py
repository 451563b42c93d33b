"""HTML documents to PDF with WeasyPrint; nothing is fetched: every image is embedded as a data: URI."""

from __future__ import annotations


def html_to_pdf(html: str) -> bytes:
    """The PDF of a self-contained HTML document (the same HTML the browser shows).

    Only data: URIs are read; any other URL (http, https, file) is refused unfetched, so
    rendering never touches the network or the disk.
    """
    # Imported on first use: loading pango and the fonts takes a moment.
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    fetcher = URLFetcher(allowed_protocols=("data",))
    pdf = HTML(string=html, url_fetcher=fetcher).write_pdf()
    assert isinstance(pdf, bytes)
    return pdf
