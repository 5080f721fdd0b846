"""The screenshot command: which pages it saves, and that it saves them small."""
from PIL import Image

from harness.testing.screenshots import COLOURS, quantized, sweep_pages


def test_the_pages_are_the_parent_the_chart_view_and_the_report_in_the_pane():
    pages = sweep_pages("http://127.0.0.1:5000", "1", "abc", ["evolve-tiny-s0"])
    assert [p.name for p in pages] == ["parent-run", "chart-view", "report-pane"]
    assert pages[2].url.endswith("/runs/abc/artifacts/report/REPORT.html")


def test_a_screenshot_is_saved_as_a_palette_png(tmp_path):
    shot = tmp_path / "s.png"
    Image.radial_gradient("L").convert("RGB").resize((400, 300)).save(shot)
    quantized(shot)
    image = Image.open(shot)
    assert image.mode == "P" and len(image.getcolors()) <= COLOURS and image.size == (400, 300)
