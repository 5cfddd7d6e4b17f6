"""Data validation (one line per problem, naming file, row or column) and the stratified split."""

from __future__ import annotations

from collections import Counter

import pytest

from training_pipeline.dataset import SAMPLE_CSV, DataError, load_examples, prepare, split

HEADER = "description,medical_specialty,sample_name,transcription,keywords\n"


def write(tmp_path, text: str | bytes, name="notes.csv"):
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


def rows(*pairs):
    return "".join(f'd,{label},s,"{text}",k\n' for label, text in pairs)


def error_of(path, **kwargs) -> str:
    with pytest.raises(DataError) as caught:
        load_examples(path, **kwargs)
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_missing_file(tmp_path):
    path = tmp_path / "nope.csv"
    assert error_of(path) == f"{path}: file not found; pass --csv with the path of a CSV in the mtsamples schema"


def test_not_utf8(tmp_path):
    path = write(tmp_path, HEADER.encode() + b"d,A,s,caf\xe9,k\n")
    assert error_of(path) == f"{path}: not UTF-8 (invalid byte 0xe9 at line 2); save the file as UTF-8"


def test_empty_file(tmp_path):
    path = write(tmp_path, "")
    assert error_of(path) == f"{path}: empty file, no header row; the first line must name the columns"


def test_missing_text_column_names_the_column_and_the_flag(tmp_path):
    path = write(tmp_path, "description,medical_specialty\nx,A\n")
    assert error_of(path) == (
        f"{path}: column 'transcription' is missing (found: description, medical_specialty); "
        "name the right one with --text-column"
    )


def test_missing_label_column(tmp_path):
    path = write(tmp_path, "text,specialty\nx,A\n")
    message = error_of(path, text_column="text")
    assert (
        message
        == f"{path}: column 'medical_specialty' is missing (found: text, specialty); name the right one with --label-column"
    )


def test_fewer_than_two_classes(tmp_path):
    path = write(tmp_path, HEADER + rows(*[(" Urology", f"note {i}") for i in range(5)]))
    assert error_of(path) == (
        f"{path}: column 'medical_specialty' has 1 class (only 'Urology'); a classifier needs at least 2 classes"
    )


def test_too_few_rows_for_a_stratified_split(tmp_path):
    path = write(tmp_path, HEADER + rows(*[("A", f"a {i}") for i in range(5)], ("B", "b 1"), ("B", "b 2")))
    assert error_of(path) == (
        f"{path}: column 'medical_specialty': class 'B' (2) has fewer than 3 rows, "
        "too few for a stratified 70/15/15 split; add rows or remove the class"
    )


def test_empty_label_names_the_row(tmp_path):
    path = write(tmp_path, HEADER + rows(("A", "a 1"), ("", "text without label")))
    assert error_of(path) == f"{path}: row 2 (line 3) has an empty 'medical_specialty'; fill it or remove the row"


def test_malformed_csv_names_the_line(tmp_path):
    path = write(tmp_path, HEADER + 'd,A,s,"ok",k\nd,B,s,"unterminated quote\n' + "x" * 140_000 + "\n")
    message = error_of(path)
    assert message.startswith(f"{path}: line ") and "malformed CSV (field larger than field limit" in message
    assert message.endswith("; fix the quoting")


def test_empty_texts_are_dropped_not_fatal(tmp_path):
    texts = [("A", f"a {i}") for i in range(3)] + [("B", f"b {i}") for i in range(3)] + [("B", "  ")]
    examples = load_examples(write(tmp_path, HEADER + rows(*texts)))
    assert examples.dropped_empty == 1
    assert examples.class_counts == {"A": 3, "B": 3}


def test_real_mtsamples_shape_works_unchanged(tmp_path):
    """Leading unnamed index column, leading-space labels, multi-line quoted text."""
    text = ",description,medical_specialty,sample_name,transcription,keywords\n"
    for i in range(6):
        label = " Allergy / Immunology" if i % 2 else " Bariatrics"
        text += f'{i}, x,{label}, n,"SUBJECTIVE:,  line one\nline two {i}",k\n'
    examples = load_examples(write(tmp_path, text))
    assert examples.class_counts == {"Allergy / Immunology": 3, "Bariatrics": 3}
    assert examples.texts[0] == "SUBJECTIVE:, line one line two 0"


def test_other_column_names(tmp_path):
    path = write(tmp_path, "body,topic\n" + "".join(f"t{i},{'xy'[i % 2]}\n" for i in range(6)))
    assert load_examples(path, text_column="body", label_column="topic").class_counts == {"x": 3, "y": 3}


def test_split_is_stratified_70_15_15_complete_and_deterministic():
    examples = load_examples(SAMPLE_CSV)
    parts = split(examples)
    assert {name: len(part) for name, part in parts.items()} == {"train": 840, "test": 180, "validation": 180}
    assert sorted(row for part in parts.values() for row in part) == sorted(
        zip(examples.texts, examples.labels, strict=True)
    )
    total = Counter(examples.labels)
    for part in parts.values():
        counts = Counter(label for _, label in part)
        assert set(counts) == set(total)
        for label, count in counts.items():
            assert abs(count / len(part) - total[label] / len(examples.labels)) < 0.02
    assert split(examples) == parts


def test_prepared_files_are_byte_stable_and_content_addressed():
    first, second = prepare(SAMPLE_CSV), prepare(SAMPLE_CSV)
    assert first["files"] == second["files"] and first["hash"] == second["hash"]
    assert sorted(first["files"]) == ["manifest.json", "test/data.csv", "train/data.csv", "validation/data.csv"]
    assert first["files"]["train/data.csv"].startswith(b"transcription,medical_specialty\n")
