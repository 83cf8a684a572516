"""A build writes only its own files: planted symbolic links are replaced, never followed.

The fault corpus of issue 20 planted ``ln -s ~/.bashrc reports/.manifest.json.tmp`` and
links at the outputs themselves; the victim must stay as it was, and every output must be
a file of the build's own afterwards.
"""

import nbformat

from readiness_analysis.build.pipeline import build

from ..build.notebooks import notebook


def _tiny_notebooks(folder):
    folder.mkdir()
    nbformat.write(notebook("print(processed_dir)",
                            parameters="processed_dir = ''\nlang = 'nl'"),
                   folder / "study_report.ipynb")
    nbformat.write(notebook("print(institution)",
                            parameters="institution = ''\nprocessed_dir = ''\nlang = 'nl'"),
                   folder / "institution_report.ipynb")
    return folder


def test_symlinks_planted_in_the_output_folders_are_replaced_not_followed(tmp_path, raw_copy):
    victim, nowhere = tmp_path / "victim.txt", tmp_path / "nowhere.txt"
    victim.write_text("the user's own\n")
    processed, reports = tmp_path / "processed", tmp_path / "reports"
    planted = {
        reports / "manifest.json": victim, reports / ".manifest.json.tmp": victim,
        reports / "index.html": nowhere, reports / "study.html": victim,
        processed / "responses.parquet": victim, processed / ".scores.parquet.tmp": victim,
        # an institution report, its action plan, and the files of another language
        reports / "institutions" / "instelling-a.html": victim,
        reports / "institutions" / "instelling-a.actieplan.csv": victim,
        reports / "institutions" / "instelling-b.actieplan.md": nowhere,
        reports / "study.en.html": victim, reports / "index.en.html": nowhere,
        reports / "institutions" / "instelling-c.en.action-plan.csv": victim,
    }
    for link, target in planted.items():
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(target)
    notebooks = _tiny_notebooks(tmp_path / "nb")
    for lang in ("nl", "en"):
        assert build(raw_copy, processed, reports, notebooks_dir=notebooks, lang=lang,
                     progress=False).ok
    assert victim.read_text() == "the user's own\n" and not nowhere.exists()
    for output in planted:
        if not output.name.endswith(".tmp"):
            assert output.is_file() and not output.is_symlink(), output
    assert (reports / ".manifest.json.tmp").is_symlink()  # not ours to remove or follow
