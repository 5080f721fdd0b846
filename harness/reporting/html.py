"""REPORT.md as one self-contained HTML file, for MLflow's artifact viewer, which renders HTML
and images but not Markdown with relative links: figures embedded as data URIs, links to the
report's own tables turned into their file names (they sit beside it in the run's artifacts).

The report quotes candidates, and candidates are hostile: raw HTML in the Markdown is shown as
text, never passed through, and only http(s) links stay links.
"""
from __future__ import annotations

import base64
import html
import re
from pathlib import Path

import markdown

STYLE = """body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;line-height:1.45}
table{border-collapse:collapse;margin:1em 0;font-size:90%}th,td{border:1px solid #ccc;padding:.25em .5em}
th{background:#f4f4f4}img{max-width:100%}code{background:#f4f4f4;padding:0 .2em}"""

IMAGE = re.compile(r'<img alt="([^"]*)" src="([^"]*)" />')
LINK = re.compile(r'<a href="([^"]*)">(.*?)</a>', re.S)


def to_html(text: str, folder: Path, title: str) -> str:
    """The Markdown `text` of a report whose figures are files in `folder`, as one HTML page."""
    converter = markdown.Markdown(extensions=["tables"])
    converter.preprocessors.deregister("html_block")  # raw HTML stays text
    converter.inlinePatterns.deregister("html")
    body = converter.convert(text)
    body = IMAGE.sub(lambda m: embedded(folder, html.unescape(m.group(2)), m.group(1)), body)
    body = LINK.sub(lambda m: link(html.unescape(m.group(1)), m.group(2)), body)
    return (f'<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f"<style>{STYLE}</style></head>\n<body>\n{body}\n</body></html>\n")


def embedded(folder: Path, name: str, alt: str) -> str:
    """A figure of the report's own folder as a data URI; anything else only by its alt text."""
    path = folder / name
    if Path(name).name != name or path.suffix.lower() != ".png" or not path.is_file():
        return f"<em>[{alt}]</em>"
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return f'<img alt="{alt}" src="data:image/png;base64,{data}" />'


def link(target: str, text: str) -> str:
    if re.match(r"https?://", target):
        return f'<a href="{html.escape(target)}">{text}</a>'
    return f"{text} (<code>{html.escape(target)}</code>)" if target and target != text else text
