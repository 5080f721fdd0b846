"""REPORT.md as one self-contained HTML file, for MLflow's artifact viewer, which renders HTML
and images but not Markdown with relative links: figures embedded as data URIs, links to the
report's own tables turned into their file names (they sit beside it in the run's artifacts).
Laid out for the artifact pane's width: tables scroll in their own box, figures scale.

The report quotes candidates, and candidates are hostile: raw HTML in the Markdown is shown as
text, never passed through, and only http(s) links stay links: links and images are filtered on
Markdown's element tree, whatever form they were written in (a regex on the output missed links
with a title, reference-style links and images with a title).
"""
from __future__ import annotations

import base64
import html
import re
from pathlib import Path

import markdown
from markdown.treeprocessors import Treeprocessor
from xml.etree import ElementTree

# Readable in MLflow's artifact pane (~540 px wide beside the file tree) as in a full window:
# each table scrolls sideways in its own box instead of widening the page, figures shrink to the
# width, long names (run ids, instance ids) wrap.
TABLE_BOX = "table-box"
STYLE = f"""body{{font-family:system-ui,sans-serif;max-width:1100px;margin:1em auto;padding:0 1em;line-height:1.45;
overflow-wrap:break-word}}
.{TABLE_BOX}{{overflow-x:auto;max-width:100%;margin:1em 0}}
table{{border-collapse:collapse;font-size:90%}}th,td{{border:1px solid #ccc;padding:.25em .5em;vertical-align:top}}
th{{background:#f4f4f4}}img{{max-width:100%;height:auto}}code{{background:#f4f4f4;padding:0 .2em}}
pre{{overflow-x:auto}}"""

VIEWPORT = '<meta name="viewport" content="width=device-width, initial-scale=1">'
WEB = re.compile(r"https?://", re.I)


def to_html(text: str, folder: Path, title: str) -> str:
    """The Markdown `text` of a report whose figures are files in `folder`, as one HTML page."""
    converter = markdown.Markdown(extensions=["tables"])
    converter.preprocessors.deregister("html_block")  # raw HTML stays text
    converter.inlinePatterns.deregister("html")
    # After the inline patterns (priority 20) have made every link and image, in any of
    # Markdown's forms (inline, with a title, reference-style, autolink): on the tree, not the text.
    converter.treeprocessors.register(_Links(folder), "harness_links", 5)
    body = converter.convert(text)
    return (f'<!DOCTYPE html>\n<html><head><meta charset="utf-8">{VIEWPORT}<title>{html.escape(title)}</title>'
            f"<style>{STYLE}</style></head>\n<body>\n{body}\n</body></html>\n")


class _Links(Treeprocessor):
    """Figures of the report's own folder embedded, every other image shown by its alt text;
    http(s) links kept, every other link turned into its text and its target as code."""

    def __init__(self, folder: Path) -> None:
        super().__init__()
        self.folder = folder

    def run(self, root: ElementTree.Element) -> None:
        for element in root.iter():
            if element.tag == "img":
                embed(element, self.folder)
            elif element.tag == "a":
                filter_link(element)
        box_tables(root)


def box_tables(root: ElementTree.Element) -> None:
    """Each table inside a box of its own that scrolls sideways (STYLE), the page staying narrow."""
    for parent in list(root.iter()):
        for index, child in enumerate(list(parent)):
            if child.tag == "table":
                box = ElementTree.Element("div", {"class": TABLE_BOX})
                box.tail, child.tail = child.tail, None
                parent.remove(child)
                box.append(child)
                parent.insert(index, box)


def target(value: str | None) -> str:
    """An attribute as a browser reads it: entities decoded (`&#106;avascript:`), no blanks around."""
    return html.unescape(value or "").strip()


def embed(image: ElementTree.Element, folder: Path) -> None:
    """A figure of the report's own folder as a data URI; anything else only by its alt text."""
    name, alt = target(image.get("src")), image.get("alt", "")
    path = folder / name
    if name and Path(name).name == name and path.suffix.lower() == ".png" and path.is_file():
        data = base64.b64encode(path.read_bytes()).decode("ascii")
        image.attrib = {"alt": alt, "src": f"data:image/png;base64,{data}"}
        return
    image.tag, image.attrib, image.text = "em", {}, f"[{alt}]"


def filter_link(link: ElementTree.Element) -> None:
    href = target(link.get("href"))
    if WEB.match(href) and not any(ord(c) < 33 for c in href):
        link.attrib = {"href": href, **({"title": link.get("title")} if link.get("title") else {})}
        return
    link.tag, link.attrib = "span", {}
    shown = "".join(link.itertext())
    if href and href != shown:  # e.g. a report's own table: its file name, as text
        if len(link):
            link[-1].tail = (link[-1].tail or "") + " ("
        else:
            link.text = (link.text or "") + " ("
        code = ElementTree.SubElement(link, "code")
        code.text, code.tail = href, ")"
