"""The shared CSV reader: every RFC 4180 file is read; every problem is one short line with the true line."""

from __future__ import annotations

import csv
import io

import pytest

from training_pipeline.steps.csvrows import MAX_MESSAGE, CsvError, read_channel, records, summarise

HEADER = "description,medical_specialty,sample_name,transcription,keywords\n"


def write(tmp_path, data: str | bytes, name="notes.csv"):
    path = tmp_path / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return path


def read(path, text="transcription", label="medical_specialty"):
    return list(records(path, text, label))


def error_of(path, **kwargs) -> str:
    with pytest.raises(CsvError) as caught:
        read(path, **kwargs)
    message = str(caught.value)
    assert "\n" not in message and len(message) <= MAX_MESSAGE, message
    return message


def test_a_10_mb_field_with_quotes_commas_and_newlines_is_read_whole(tmp_path):
    chunk = 'he said "stop, now"\r\nand, then\n"quoted" '
    huge = chunk * (10 * 1024 * 1024 // len(chunk) + 1)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["description", "medical_specialty", "transcription"])
    writer.writerow(["d", "Urology", huge])
    writer.writerow(["d", "Neurology", "short"])
    path = write(tmp_path, out.getvalue())
    assert path.stat().st_size > 10 * 1024 * 1024
    rows = read(path)
    assert [(line, label) for line, _, label in rows] == [(2, "Urology"), (2 + huge.count("\n") + 1, "Neurology")]
    assert rows[0][1] == " ".join(huge.split())
    assert rows[1][1] == "short"


def test_bom_crlf_cr_and_quoted_newlines(tmp_path):
    body = 'transcription,medical_specialty\r\n"line one\r\nline two",A\r\nplain,B\r"x\ny",C\n'
    rows = read(write(tmp_path, b"\xef\xbb\xbf" + body.encode()))
    assert rows == [(2, "line one line two", "A"), (4, "plain", "B"), (5, "x y", "C")]


def test_not_utf8_names_the_byte_and_the_line(tmp_path):
    path = write(tmp_path, HEADER.encode() + b'd,A,s,"caf\n\xe9",k\n')
    assert error_of(path) == "not UTF-8 (invalid byte 0xe9 at line 3); save the file as UTF-8"


def test_not_utf8_far_into_a_big_file_reports_the_true_line(tmp_path):
    path = write(tmp_path, HEADER.encode() + b"d,A,s,fine text,k\n" * 200_000 + b"d,A,s,\xff,k\n")
    assert error_of(path) == "not UTF-8 (invalid byte 0xff at line 200002); save the file as UTF-8"


def test_duplicate_header_names_the_column(tmp_path):
    path = write(tmp_path, "description,transcription,medical_specialty,transcription\nd,t,A,k\n")
    assert error_of(path) == (
        "line 1: column 'transcription' appears twice in the header (columns 2 and 4); rename or remove one"
    )


def test_unnamed_index_columns_are_not_duplicates(tmp_path):
    path = write(tmp_path, ",transcription,medical_specialty,\n0,t,A,\n")
    assert read(path) == [(2, "t", "A")]


def test_unterminated_quote_names_the_line_where_it_opens(tmp_path):
    path = write(tmp_path, HEADER + 'd,A,s,"ok",k\nd,B,s,"never closed\n' + "x" * 300_000 + "\nmore\n")
    assert error_of(path) == (
        'line 3: a quoted field opened here is never closed; close it with " and write a quote inside a field as ""'
    )


def test_text_after_a_closing_quote(tmp_path):
    path = write(tmp_path, HEADER + 'd,A,s,"ok",k\nd,A,s,"half" quoted,k\n')
    assert error_of(path) == ('line 3: text after a closing quote; quote the whole field and write inner quotes as ""')


def test_wrong_number_of_fields(tmp_path):
    path = write(tmp_path, HEADER + "d,A,s,t,k\nd,A,s,an, unquoted comma,k\n")
    assert error_of(path) == "line 3: 6 fields, the header has 5; quote fields that contain commas or line breaks"


def test_missing_column_lists_are_summarised_and_values_clipped(tmp_path):
    header = ",".join(f"column_{i}" for i in range(1200))
    path = write(tmp_path, header + "\n" + ",".join("x" * 1200) + "\n")
    message = error_of(path, text="t" * 5000)
    assert message.startswith("column 'tttt")
    assert "(found 1,200 columns, e.g. 'column_0', 'column_1', 'column_2')" in message


def test_empty_file(tmp_path):
    assert error_of(write(tmp_path, "")) == "empty file, no header row; the first line must name the columns"


def test_summarise():
    assert summarise(["a", "b"], "classes") == "2 classes: 'a', 'b'"
    assert summarise([f"c{i}" for i in range(1200)], "classes") == "1,200 classes, e.g. 'c0', 'c1', 'c2'"


def test_read_channel_names_the_file(tmp_path):
    write(tmp_path, "transcription,medical_specialty\nfine,A\n", "a.csv")
    write(tmp_path, 'transcription,medical_specialty\n"open,B\n', "b.csv")
    with pytest.raises(CsvError) as caught:
        read_channel(tmp_path, "transcription", "medical_specialty")
    assert str(caught.value).startswith("b.csv: line 2: a quoted field opened here is never closed")
