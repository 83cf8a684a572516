"""End to end: raw demo data → processed data → HTML reports (notebooks executed)."""

import json
import re
import shutil

import nbformat
import pandas as pd
import papermill
import pytest

from readiness_analysis.build import build
from readiness_analysis.cli import main
from readiness_analysis.errors import ReadinessError
from readiness_analysis.render import slugify

from .conftest import NOTEBOOKS, RAW

pytestmark = pytest.mark.notebooks
INSTITUTIONS = ["Instelling A", "Instelling B", "Instelling C"]


def _html(base, rel):
    return (base / "reports" / rel).read_text(encoding="utf-8")


def test_demo_build_writes_every_report(demo_build):
    result, base = demo_build
    assert result.ok
    paths = sorted(r.path for r in result.reports)
    assert paths == ["institutions/instelling-a.html", "institutions/instelling-b.html",
                     "institutions/instelling-c.html", "study.html"]
    manifest = json.loads((base / "reports" / "manifest.json").read_text())
    entry = next(e for e in manifest["reports"] if e["institution"] == "Instelling B")
    assert entry["status"] == "ok" and entry["error"] is None
    assert entry["parameters"]["institution"] == "Instelling B"
    assert set(entry["inputs"]) >= {"scan_responses.csv", "fragments.csv", "documents.csv",
                                    "institution_report.ipynb", "study_report.ipynb"}
    assert all(re.fullmatch(r"[0-9a-f]{64}", v) for v in entry["inputs"].values())
    assert entry["package_version"] and entry["duration_s"] > 0
    index = _html(base, "index.html")
    for path in paths:
        assert f'href="{path}"' in index


def test_reports_are_self_contained_and_show_no_code(demo_build):
    _, base = demo_build
    for page in (base / "reports").rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert '<html lang="nl">' in text
        assert "<script" not in text.lower()
        assert not re.search(r"""(src|href)=["']?(https?:)?//""", text), page
        assert "load_report_data" not in text and "import " not in text
        for img in re.findall(r"<img[^>]*>", text):
            assert re.search(r"""alt=["'][^"']{20,}["']""", img), img[:120]


def test_reports_carry_the_synthetic_banner(demo_build):
    _, base = demo_build
    for page in (base / "reports").rglob("*.html"):
        assert "synthetisch" in page.read_text(encoding="utf-8"), page


def test_institution_report_shows_only_its_own_data(demo_build):
    _, base = demo_build
    for name in INSTITUTIONS:
        slug = name.lower().replace(" ", "-")
        text = _html(base, f"institutions/{slug}.html")
        assert name in text
        for other in set(INSTITUTIONS) - {name}:
            assert other not in text
    responses = pd.read_parquet(base / "processed" / "responses.parquet")
    for rid in responses["respondent_id"]:
        assert rid not in _html(base, "institutions/instelling-a.html")


def test_study_report_reproduces_participants_and_quotes(demo_build):
    _, base = demo_build
    text = _html(base, "study.html")
    total = re.search(r"<td>Totaal</td>\s*<td>(\d+)</td>\s*<td>(\d+)</td>", text)
    assert total.groups() == ("14", "23")
    assert "Aanbeveling 1" in text and "Aanbeveling 5" in text
    assert text.index("Aanbeveling 1") < text.index("Aanbeveling 5")
    assert "De wifi in dit gebouw is belabberd." in text


def test_processed_files_account_for_every_row(demo_build):
    _, base = demo_build
    processed = base / "processed"
    log = pd.read_csv(processed / "cleaning_log.csv")
    kept = len(pd.read_parquet(processed / "responses.parquet"))
    rejected = len(pd.read_csv(processed / "rejected_rows.csv"))
    assert log["rows_in"].iloc[0] == kept + rejected == 14
    evidence = pd.read_csv(processed / "evidence.csv")
    assert evidence["fragment_id"].nunique() == 26


def test_notebooks_run_with_their_default_parameters(demo_build, tmp_path):
    _, base = demo_build
    for name in ("institution_report.ipynb", "study_report.ipynb"):
        out = tmp_path / name
        papermill.execute_notebook(NOTEBOOKS / name, out, kernel_name="python3",
                                   parameters={"processed_dir": str(base / "processed")},
                                   progress_bar=False, cwd=str(NOTEBOOKS))
        nb = nbformat.read(out, as_version=4)
        errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
                  if o.output_type == "error"]
        assert not errors


def test_english_reports(tmp_path):
    result = build(RAW, tmp_path / "p", tmp_path / "r", notebooks_dir=NOTEBOOKS, lang="en",
                   institutions=["Instelling C"])
    assert [r.path for r in result.reports] == ["study.html", "institutions/instelling-c.html"]
    text = (tmp_path / "r" / "institutions" / "instelling-c.html").read_text()
    assert '<html lang="en">' in text and "Readiness profile" in text and "synthetic" in text


def test_one_failing_institution_does_not_stop_the_others(tmp_path, capsys):
    notebooks = tmp_path / "notebooks"
    shutil.copytree(NOTEBOOKS, notebooks)
    nb = nbformat.read(notebooks / "institution_report.ipynb", as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(
        'if institution == "Instelling B":\n    raise RuntimeError("broken on purpose")'))
    nbformat.write(nb, notebooks / "institution_report.ipynb")
    code = main(["build", "--raw", str(RAW), "--processed", str(tmp_path / "p"),
                 "--reports", str(tmp_path / "r"), "--notebooks", str(notebooks), "--jobs", "2"])
    assert code == 1
    manifest = json.loads((tmp_path / "r" / "manifest.json").read_text())
    status = {e["title"]: (e["status"], e["error"]) for e in manifest["reports"]}
    assert status["Instelling B"][0] == "failed"
    assert "RuntimeError: broken on purpose" in status["Instelling B"][1]
    assert [s for s, _ in status.values()].count("ok") == 3
    assert (tmp_path / "r" / "institutions" / "instelling-a.html").exists()
    assert not (tmp_path / "r" / "institutions" / "instelling-b.html").exists()
    assert "failed: Instelling B" in capsys.readouterr().err


def test_unknown_institution_is_a_clear_error(tmp_path):
    with pytest.raises(ReadinessError, match="unknown institution 'Instelling Z'"):
        build(RAW, tmp_path / "p", tmp_path / "r", notebooks_dir=NOTEBOOKS,
              institutions=["Instelling Z"])


def test_study_report_has_a_reliability_table_with_small_sample_warning(demo_build):
    _, base = demo_build
    text = _html(base, "study.html")
    assert "Betrouwbaarheid per thema" in text
    assert "berekend op 14 respondenten" in text
    assert re.search(r"<td>Visie en beleid</td>\s*<td>4</td>\s*<td>14</td>\s*<td>0,\d\d</td>",
                     text)


def test_small_institution_is_suppressed_in_figure_data_and_tables(tmp_path):
    from readiness_analysis import reporting, sections
    from readiness_analysis.synth import SynthDesign, write_synthetic_scan

    raw = tmp_path / "raw"
    write_synthetic_scan(raw / "scan_responses.csv", SynthDesign(institutions=2,
                                                                 respondents=4, seed=2))
    df = pd.read_csv(raw / "scan_responses.csv")
    df = df.drop(df.index[(df["institution"] == "Instelling B")][2:])  # B keeps 2 rows
    df.to_csv(raw / "scan_responses.csv", index=False)
    result = build(raw, tmp_path / "p", tmp_path / "r", notebooks_dir=NOTEBOOKS,
                   institutions=["Instelling B"])
    assert result.ok
    data = reporting.load_report_data(tmp_path / "p", "Instelling B")
    own, _ = sections.profile_data(data, "Instelling B")
    assert own["mean"].isna().all() and own["suppressed"].all()
    text = (tmp_path / "r" / "institutions" / "instelling-b.html").read_text()
    assert "Minder dan 3 respondenten" in text
    assert not re.search(r"<td>Visie en beleid</td>\s*<td>2</td>\s*<td>\d", text)


def test_study_report_answers_the_four_sub_questions_in_order(demo_build):
    _, base = demo_build
    text = _html(base, "study.html")
    positions = [text.index(f"<h2>Deelvraag {n}</h2>") for n in (1, 2, 3, 4)]
    assert positions == sorted(positions)
    assert "documenteninventaris is illustratief" in text
    assert "Onderwijsvisie 2021-2025" not in text  # the study shows the overview only
    assert "HAN Blended Leren Bloem" in text or "Blended Leren Bloem" in text


def test_institution_report_shows_its_documents_next_to_vision_answers(demo_build):
    _, base = demo_build
    text = _html(base, "institutions/instelling-b.html")
    assert "Visie- en beleidsdocumenten" in text
    assert "Onderwijsvisie 2021-2025" in text
    assert "Onderwijsvisie 2022-2026" not in text  # Instelling A's document
    assert "Ik ken de visie van mijn instelling op blended leren." in text


def test_study_report_says_n_too_small_instead_of_p_values(demo_build):
    _, base = demo_build
    text = _html(base, "study.html")
    assert "n te klein" in text and "getoetst" not in text
    assert "Geen verkennende factoranalyse" in text


def test_generated_data_with_more_institutions_and_waves(tmp_path):
    from readiness_analysis.synth import SynthDesign, write_synthetic_scan

    raw = tmp_path / "raw"
    write_synthetic_scan(raw / "scan_responses.csv",
                         SynthDesign(institutions=4, respondents=12, waves=2, seed=9))
    shutil.copy(RAW / "fragments.csv", raw / "fragments.csv")
    result = build(raw, tmp_path / "p", tmp_path / "r", notebooks_dir=NOTEBOOKS, jobs=2)
    assert result.ok and len(result.reports) == 5
    study = (tmp_path / "r" / "study.html").read_text()
    assert "getoetst" in study  # 24 scores per institution: the test runs
    assert "Instelling D" in study
    inst = (tmp_path / "r" / "institutions" / "instelling-d.html").read_text()
    assert "<th>Meting</th>" in inst
    assert "Verandering sinds de vorige meting" in inst and "1 → 2" in inst
    assert "95%-BI" in inst
    for other in ("Instelling A", "Instelling B", "Instelling C"):
        assert other not in inst


def test_institution_data_keeps_no_other_institution_in_categories(demo_build):
    from readiness_analysis import reporting

    _, base = demo_build
    data = reporting.load_report_data(base / "processed", "Instelling A")
    for frame in (data.responses, data.scores, data.fragments):
        for column in frame.columns:
            values = frame[column]
            if isinstance(values.dtype, pd.CategoricalDtype):
                values = pd.Series(values.cat.categories)
            assert not values.astype(str).isin(["Instelling B", "Instelling C"]).any(), column
    pooled = data.summary[data.summary["institution"].notna()]
    assert set(pooled["institution"]) == {"Instelling A"}


EVIL_FRAGMENT = '<img src=x onerror="alert(2)"> en <script>alert(3)</script>'
EVIL_DOCUMENT = "</td><script>alert(4)</script>"


def _active_markup(page: str) -> list[str]:
    """Scripts, event handlers and images not embedded as data: what a page must not have."""
    from html.parser import HTMLParser

    found = []

    class Parser(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.extend(f"{tag} {name}" for name, _ in attrs if name.startswith("on"))
            if tag in ("script", "iframe", "object", "embed"):
                found.append(tag)
            src = dict(attrs).get("src")
            if src is not None and not src.startswith("data:image/"):
                found.append(f"{tag} src={src}")

    Parser().feed(page)
    return found


def _hostile_raw(raw):
    """Synthetic scan data whose names, own fragments and documents carry HTML, paths and
    spreadsheet formulas."""
    from readiness_analysis.synth import SynthDesign, write_synthetic_scan

    write_synthetic_scan(raw / "scan_responses.csv", SynthDesign(institutions=3,
                                                                 respondents=3, seed=4))
    names = {"Instelling A": "<script>alert(1)</script>", "Instelling B": "../../etc/passwd",
             "Instelling C": "職業学校 " + "x" * 300}
    df = pd.read_csv(raw / "scan_responses.csv")
    df["institution"] = df["institution"].map(names)
    df.to_csv(raw / "scan_responses.csv", index=False)
    fragments = pd.read_csv(RAW / "fragments.csv", dtype=str, keep_default_na=False)
    own = fragments.iloc[[0, 1]].assign(
        fragment_id=["X1", "X2"], institution=names["Instelling A"], coder="c1",
        text=[EVIL_FRAGMENT, '=HYPERLINK("http://x","klik")'])
    pd.concat([fragments, own]).to_csv(raw / "fragments.csv", index=False)
    documents = pd.read_csv(RAW / "documents.csv", dtype=str, keep_default_na=False)
    documents["institution"] = documents["institution"].map(names)
    documents.loc[0, "title"] = EVIL_DOCUMENT
    documents.to_csv(raw / "documents.csv", index=False)
    return names


def test_hostile_names_quotes_and_documents_are_escaped_and_slugged(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    names = _hostile_raw(raw)
    result = build(raw, tmp_path / "p", tmp_path / "r", notebooks_dir=NOTEBOOKS)
    assert result.ok
    files = sorted(p.relative_to(tmp_path / "r").as_posix()
                   for p in (tmp_path / "r").rglob("*.html"))
    assert all(re.fullmatch(r"(institutions/)?[a-z0-9-]{1,80}\.html", f) for f in files), files
    assert len(files) == 5
    for page in (tmp_path / "r").rglob("*.html"):
        assert _active_markup(page.read_text()) == [], page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in (tmp_path / "r" / "index.html").read_text()
    own = (tmp_path / "r" / "institutions" / f"{slugify(names['Instelling A'])}.html").read_text()
    assert "&lt;img src=x onerror=" in own  # the quote, shown as text
    assert "&lt;/td&gt;&lt;script&gt;alert(4)&lt;/script&gt;" in own  # the document title
    assert not (tmp_path / "etc").exists() and not (tmp_path / "r" / ".." / "etc").exists()
    evidence = pd.read_csv(tmp_path / "p" / "evidence.csv", dtype=str, keep_default_na=False)
    assert not evidence.apply(lambda c: c.str.startswith(("=", "+", "-", "@"))).any().any()


def test_manifest_records_what_each_report_was_rendered_from(demo_build):
    import hashlib

    _, base = demo_build
    manifest = json.loads((base / "reports" / "manifest.json").read_text())
    for entry in manifest["reports"]:
        assert entry["rendered"] is True and re.fullmatch(r"[0-9a-f]{64}", entry["input_hash"])
        page = (base / "reports" / entry["path"]).read_bytes()
        assert entry["output_sha256"] == hashlib.sha256(page).hexdigest()
        expected = {"notebook", "instrument", "codebook", "parameters", "package"}
        expected |= {"data"} if entry["institution"] is None else {"own", "pooled", "shared"}
        assert set(entry["input_parts"]) == expected
