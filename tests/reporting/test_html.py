"""REPORT.html: one file, figures inside, nothing of a candidate's text run as HTML."""
import base64
from html.parser import HTMLParser

import pytest

from harness.reporting.html import to_html

PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=")


def test_figures_are_embedded_and_tables_named(tmp_path):
    (tmp_path / "slopes.png").write_bytes(PNG)
    page = to_html("# Report\n\n![slopes](slopes.png)\n\nSee [the table](verdicts.csv).\n", tmp_path, "r")
    assert f'src="data:image/png;base64,{base64.b64encode(PNG).decode()}"' in page
    assert "<h1>Report</h1>" in page and "slopes.png" not in page.replace('alt="slopes"', "")
    assert "the table (<code>verdicts.csv</code>)" in page and 'href="verdicts.csv"' not in page


def test_a_candidates_html_is_shown_as_text(tmp_path):
    hostile = "| candidate |\n| --- |\n| <img src=x onerror=alert(1)> |\n\n<script>alert(2)</script>\n"
    page = to_html(hostile, tmp_path, "<b>title</b>")
    assert "<script" not in page and "<img src=x" not in page and "<b>title" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page and "&lt;script&gt;alert(2)&lt;/script&gt;" in page


def test_only_the_reports_own_figures_and_web_links_survive(tmp_path):
    (tmp_path / "f.png").write_bytes(PNG)
    page = to_html("![a](../../etc/f.png) ![b](missing.png) ![c](http://example.com/x.png) "
                   "[js](javascript:alert(1)) [web](https://mlflow.org/docs)", tmp_path, "r")
    assert "<img" not in page  # outside the folder, missing or remote: the alt text only
    assert "<em>[a]</em>" in page and "<em>[c]</em>" in page
    assert 'href="javascript' not in page and '<a href="https://mlflow.org/docs">web</a>' in page


@pytest.mark.parametrize("markdown", [
    '[inline with title](javascript:alert(1) "a title")',
    '[reference][r]\n\n[r]: javascript:alert(1) "title"',
    '[reference, no title][r]\n\n[r]: data:text/html;base64,PHNjcmlwdD4=',
    '![image with title](javascript:alert(1) "title")',
    '![data image](data:image/png;base64,iVBORw0KGgo= "title")',
    "<javascript:alert(1)>",
    '<a href="javascript:alert(1)">raw html</a>',
    '[upper case](JaVaScRiPt:alert(1))',
    '[entity](&#106;avascript:alert(1))',
    '[spaced]( javascript:alert(1) )',
    "[inline, data](data:text/html,<script>alert(1)</script>)",
    "| arm |\n| --- |\n| [cell](javascript:alert(1) 't') |",
])
def test_no_form_of_link_keeps_a_script_or_data_url(tmp_path, markdown):
    """Links come in through instance names, arm names and the description setting: each
    Markdown form of a link or image, with a title or without, is filtered on the element tree."""
    page = to_html(f"# r\n\nbefore\n\n{markdown}\n\nafter\n", tmp_path, "r")
    assert urls(page) == [] and "before" in page and "after" in page  # no link left; the text around it stays


def urls(page: str) -> list[str]:
    """Every URL a browser would follow or load in the page (attributes as it decodes them)."""
    found = []

    class Collect(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.extend(value for name, value in attrs if name in ("href", "src", "action", "formaction"))

    Collect().feed(page)
    return found


def test_a_web_link_with_a_title_stays_a_link(tmp_path):
    page = to_html('[docs](https://mlflow.org/docs "MLflow") and [ref][m]\n\n[m]: http://example.com/x', tmp_path, "r")
    assert '<a href="https://mlflow.org/docs" title="MLflow">docs</a>' in page
    assert '<a href="http://example.com/x">ref</a>' in page


def test_tables_scroll_in_their_own_box_and_figures_scale(tmp_path):
    """MLflow's artifact pane is ~540 px wide: a wide table scrolls inside its box, the page does not."""
    (tmp_path / "f.png").write_bytes(PNG)
    wide = "| " + " | ".join(f"column {i}" for i in range(30)) + " |\n|" + " --- |" * 30 + "\n|" + " x |" * 30 + "\n"
    page = to_html(f"# r\n\n{wide}\n![f](f.png)\n\n| a |\n| --- |\n| 1 |\n", tmp_path, "r")
    assert page.count('<div class="table-box"><table>') == page.count("<table>") == 2
    assert page.count("</table></div>") == 2
    assert ".table-box{overflow-x:auto;max-width:100%" in page
    assert "img{max-width:100%;height:auto}" in page
    assert 'name="viewport" content="width=device-width' in page
