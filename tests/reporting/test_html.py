"""REPORT.html: one file, figures inside, nothing of a candidate's text run as HTML."""
import base64

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
