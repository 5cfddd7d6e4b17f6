"""Dataset validation (one short line per problem, naming file and line), de-duplication and the split."""

from __future__ import annotations

import csv
import json
from collections import Counter

import pytest

from training_pipeline.dataset import SAMPLE_CSV, DataError, plan, scan
from training_pipeline.splits import prepare

HEADER = "description,medical_specialty,sample_name,transcription,keywords\n"


def write(tmp_path, text: str | bytes, name="notes.csv"):
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


def rows(*pairs):
    return "".join(f'd,{label},s,"{text}",k\n' for label, text in pairs)


def error_of(path, **kwargs) -> str:
    with pytest.raises(DataError) as caught:
        plan(scan(path, **kwargs))
    message = str(caught.value)
    assert "\n" not in message and len(message) <= 200, message
    return message


def read_split(directory):
    with (directory / "data.csv").open(newline="", encoding="utf-8") as handle:
        return [tuple(row) for row in csv.reader(handle)][1:]


def test_missing_file(tmp_path):
    path = tmp_path / "nope.csv"
    assert error_of(path) == f"{path}: file not found; pass --csv with the path of a CSV in the mtsamples schema"


def test_errors_name_the_file_and_the_true_line(tmp_path):
    path = write(tmp_path, HEADER + rows(("A", "a 1")) + 'd,B,s,"two\nlines",k\n' + rows(("", "no label")))
    assert error_of(path) == "notes.csv: line 5: empty 'medical_specialty'; fill it or remove the row"


def test_duplicate_label_header_is_refused_not_silently_used(tmp_path):
    path = write(tmp_path, "transcription,medical_specialty,medical_specialty\nt,A,B\n")
    assert error_of(path) == (
        "notes.csv: line 1: column 'medical_specialty' appears twice in the header (columns 2 and 3); "
        "rename or remove one"
    )


def test_missing_text_column_names_the_column_and_the_flag(tmp_path):
    path = write(tmp_path, "description,medical_specialty\nx,A\n")
    assert error_of(path) == (
        "notes.csv: column 'transcription' is missing (found 2 columns: 'description', 'medical_specialty'); "
        "name the right one with --text-column"
    )


def test_fewer_than_two_classes(tmp_path):
    path = write(tmp_path, HEADER + rows(*[(" Urology", f"note {i}") for i in range(5)]))
    assert error_of(path) == (
        "notes.csv: column 'medical_specialty' has 1 class (only 'Urology'); a classifier needs at least 2 classes"
    )


def test_too_few_distinct_texts_counts_after_removing_duplicates(tmp_path):
    path = write(tmp_path, HEADER + rows(*[("A", f"a {i}") for i in range(5)], ("B", "b"), ("B", "b"), ("B", "c")))
    assert error_of(path) == (
        "notes.csv: column 'medical_specialty': 'B' (2) with fewer than 3 distinct texts, too few for a "
        "stratified 70/15/15 split; add rows or remove the class"
    )


def test_many_small_classes_are_summarised(tmp_path):
    path = write(
        tmp_path, HEADER + rows(*[("A", f"a {i}") for i in range(5)], *[(f"C{i}", f"c {i}") for i in range(1200)])
    )
    message = error_of(path)
    assert "1,200 classes, e.g. 'C0', 'C1', 'C10' with fewer than 3 distinct texts" in message


def test_a_free_text_label_column_is_refused_early(tmp_path, monkeypatch):
    monkeypatch.setattr("training_pipeline.dataset.MAX_CLASSES", 50)
    path = write(tmp_path, HEADER + rows(*[(f"label {i}", f"text {i}") for i in range(60)]))
    assert error_of(path) == (
        "notes.csv: column 'medical_specialty' has more than 50 distinct values (line 52); is it the label? "
        "name the right one with --label-column"
    )


def test_empty_texts_are_dropped_not_fatal(tmp_path):
    texts = [("A", f"a {i}") for i in range(3)] + [("B", f"b {i}") for i in range(3)] + [("B", "  ")]
    scanned = scan(write(tmp_path, HEADER + rows(*texts)))
    assert scanned.dropped_empty == 1
    assert plan(scanned).classes == {"A": 3, "B": 3}


def test_real_mtsamples_shape_works_unchanged(tmp_path):
    """Leading unnamed index column, leading-space labels, multi-line quoted text."""
    text = ",description,medical_specialty,sample_name,transcription,keywords\n"
    for i in range(6):
        label = " Allergy / Immunology" if i % 2 else " Bariatrics"
        text += f'{i}, x,{label}, n,"SUBJECTIVE:,  line one\nline two {i}",k\n'
    out = prepare(write(tmp_path, text), tmp_path / "out")
    assert out.manifest["classes"] == {"Allergy / Immunology": 3, "Bariatrics": 3}
    texts = [t for name in ("train", "test", "validation") for t, _ in read_split(tmp_path / "out" / name)]
    assert "SUBJECTIVE:, line one line two 0" in texts


def test_duplicates_are_dropped_before_the_split_so_no_text_is_in_two_splits(tmp_path):
    pairs = [(label, f"{label} note {i}") for label in "ABC" for i in range(20)]
    dupes = [("A", "A note 1"), ("A", "A  note\n1"), ("B", "A note 2"), ("C", "C note 3")]
    out = prepare(write(tmp_path, HEADER + rows(*pairs, *dupes)), tmp_path / "out")
    manifest = out.manifest
    assert manifest["duplicates_dropped"] == 4 and manifest["duplicate_label_conflicts"] == 1
    assert manifest["classes"] == {"A": 20, "B": 20, "C": 20}
    seen = Counter(t for name in ("train", "test", "validation") for t, _ in read_split(tmp_path / "out" / name))
    assert len(seen) == 60 and set(seen.values()) == {1}
    assert manifest["rows"] == {"train": 42, "test": 9, "validation": 9}


def test_split_is_stratified_70_15_15_and_independent_of_row_order(tmp_path):
    out = prepare(SAMPLE_CSV, tmp_path / "a")
    assert out.manifest["rows"] == {"train": 840, "test": 180, "validation": 180}
    parts = {name: read_split(tmp_path / "a" / name) for name in ("train", "test", "validation")}
    total = Counter(out.manifest["classes"])
    for part in parts.values():
        counts = Counter(label for _, label in part)
        assert set(counts) == set(total)
        for label, count in counts.items():
            assert abs(count / len(part) - total[label] / 1200) < 0.02
    with SAMPLE_CSV.open(newline="", encoding="utf-8") as handle:
        lines = list(csv.reader(handle))
    shuffled = write(tmp_path, "", "reversed.csv")
    with shuffled.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([lines[0], *reversed(lines[1:])])
    prepare(shuffled, tmp_path / "b")
    for name, part in parts.items():
        assert sorted(read_split(tmp_path / "b" / name)) == sorted(part)


def test_prepared_files_are_byte_stable_and_content_addressed(tmp_path):
    first, second = prepare(SAMPLE_CSV, tmp_path / "1"), prepare(SAMPLE_CSV, tmp_path / "2")
    assert first.dataset_id == second.dataset_id and len(first.dataset_id) == 16
    for key in first.object_keys():
        assert (tmp_path / "1" / key).read_bytes() == (tmp_path / "2" / key).read_bytes()
    assert first.object_keys() == ["test/data.csv", "train/data.csv", "validation/data.csv", "manifest.json"]
    assert (tmp_path / "1" / "train" / "data.csv").read_bytes().startswith(b"transcription,medical_specialty\n")
    assert json.loads((tmp_path / "1" / "manifest.json").read_text())["dataset_id"] == first.dataset_id


def test_a_file_that_changes_between_the_passes_is_refused(tmp_path, monkeypatch):
    import training_pipeline.splits as splits

    path = write(tmp_path, HEADER + rows(*[(label, f"{label} {i}") for label in "AB" for i in range(5)]))
    real_plan = splits.plan

    def plan_then_edit(scanned):
        decided = real_plan(scanned)
        path.write_text(path.read_text().replace("A 3", "A 33"))
        return decided

    monkeypatch.setattr(splits, "plan", plan_then_edit)
    with pytest.raises(DataError) as caught:
        prepare(path, tmp_path / "out")
    assert str(caught.value) == "notes.csv: the file changed while it was read; upload it again"
