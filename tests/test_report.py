import re

from coprod.main import main
from coprod.report import findings


def test_report_is_self_contained_and_readable(tmp_path, capsys):
    out = tmp_path / "demo"
    out.mkdir()  # --out's parent must exist
    assert main(["survey", "--reps", "500", "--out", str(out / "survey")]) == 0
    assert main(["fit", "--draws", "10", "--out", str(out / "fit")]) == 0
    assert main(["run", "baseline", "trust_forums", "--draws", "2", "--assumption-draws", "1",
                 "--replicates", "2",
                 "--horizon", "12", "--out", str(out / "scenarios")]) == 0
    assert main(["compare", "--out", str(out / "scenarios")]) == 0
    assert main(["report", "--out", str(out)]) == 0
    html = (out / "report.html").read_text()
    for heading in ("The 2015 survey with honest intervals", "The calibrated model against",
                    "What if?", "How to reproduce every number", "What the model can and"):
        assert heading in html
    images = re.findall(r'<img[^>]+src="([^"]+)"', html)
    assert len(images) >= 5 and all(src.startswith("data:image/png;base64,") for src in images)
    assert not re.search(r'(src|href)="https?://', html)  # opens offline
    assert len(list((out / "figures").glob("*.png"))) >= 5
    found = findings(out)
    assert 3 <= len(found) <= 4 and "trust_forums" in found[-1]


def test_report_names_what_is_missing(tmp_path, capsys):
    assert main(["report", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "bootstrap.csv" in err and "coprod demo" in err
