"""The one CSV reader of the uploader and the step scripts (standard library only).

`records(path, text_column, label_column)` streams (line, text, label) from any RFC 4180
file: any field length, a UTF-8 byte-order mark, CRLF/LF/CR line ends, quoted newlines.
Texts come back with their whitespace collapsed, labels stripped; the caller decides what an
empty one means. Problems raise `CsvError`: one line (at most ~200 characters) with the true
line number, what was wrong and what to do; values and long lists are shortened.

It ships beside the step scripts (the training sourcedir and the processing `lib` input), so
the steps read channels by exactly the rules the upload checked.
"""

from __future__ import annotations

import codecs
import csv
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

MAX_MESSAGE = 200
CHUNK = 1 << 20


class CsvError(ValueError):
    """A problem with a CSV file; the message is one line without the file name."""


def clip(value: object, limit: int = 40) -> str:
    """`value` quoted and shortened to about `limit` characters, on one line."""
    text = " ".join(str(value).split())
    return f"'{text}'" if len(text) <= limit else f"'{text[: limit - 3]}...'"


def summarise(items: Iterable[str], noun: str, shown: int = 3) -> str:
    """'2 classes: 'a', 'b'' or '1,200 classes, e.g. 'a', 'b', 'c''."""
    items = list(items)
    listed = ", ".join(clip(item, 24) for item in items[:shown])
    if len(items) <= shown:
        return f"{len(items):,} {noun}: {listed}"
    return f"{len(items):,} {noun}, e.g. {listed}"


def one_line(message: str) -> str:
    message = " ".join(message.split())
    return message if len(message) <= MAX_MESSAGE else message[: MAX_MESSAGE - 3] + "..."


def _bad_byte(path: Path) -> tuple[int, int]:
    """(byte value, line number) of the first byte that is not UTF-8."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    lines = 0
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as error:
                return chunk[error.start], lines + chunk[: error.start].count(b"\n") + 1
            lines += chunk.count(b"\n")
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return 0, lines + 1
    return 0, lines + 1


def _lines(path: Path) -> Iterator[str]:
    """The file's lines (line ends kept, BOM dropped); not UTF-8 -> CsvError with the line."""
    try:
        with path.open(encoding="utf-8-sig", newline="", errors="strict") as handle:
            yield from handle
    except UnicodeDecodeError:
        byte, line = _bad_byte(path)
        raise CsvError(f"not UTF-8 (invalid byte 0x{byte:02x} at line {line}); save the file as UTF-8") from None


def _csv_problem(error: csv.Error, start: int, line: int) -> CsvError:
    text = str(error)
    if "unexpected end of data" in text:
        return CsvError(
            f'line {start}: a quoted field opened here is never closed; close it with " '
            'and write a quote inside a field as ""'
        )
    if "expected after" in text:
        return CsvError(f'line {line}: text after a closing quote; quote the whole field and write inner quotes as ""')
    return CsvError(f"line {line}: malformed CSV ({clip(text, 60)}); fix the quoting")


def _header(rows: Iterator[list[str]], text_column: str, label_column: str) -> list[str]:
    header = next(rows, None)
    if not header:
        raise CsvError("empty file, no header row; the first line must name the columns")
    seen: dict[str, int] = {}
    for position, name in enumerate(header, start=1):
        if name and name in seen:
            raise CsvError(
                f"line 1: column {clip(name)} appears twice in the header (columns {seen[name]} and {position}); "
                "rename or remove one"
            )
        seen.setdefault(name, position)
    for column, flag in ((text_column, "--text-column"), (label_column, "--label-column")):
        if column not in seen:
            found = summarise([h for h in header if h], "columns") if any(header) else "no named columns"
            raise CsvError(f"column {clip(column)} is missing (found {found}); name the right one with {flag}")
    return header


def records(path: Path | str, text_column: str, label_column: str) -> Iterator[tuple[int, str, str]]:
    """(line where the record starts, text, label) for every data row of `path`."""
    path = Path(path)
    if not path.is_file():
        raise CsvError("file not found")
    csv.field_size_limit(sys.maxsize)
    reader = csv.reader(_lines(path), strict=True)
    start = 1
    try:
        header = _header(reader, text_column, label_column)
        text_at, label_at = header.index(text_column), header.index(label_column)
        while True:
            start = reader.line_num + 1
            row = next(reader, None)
            if row is None:
                return
            if not row or row == [""]:
                continue
            if len(row) != len(header):
                raise CsvError(
                    f"line {start}: {len(row)} fields, the header has {len(header)}; "
                    "quote fields that contain commas or line breaks"
                )
            yield start, " ".join(row[text_at].split()), row[label_at].strip()
    except csv.Error as error:
        raise _csv_problem(error, start, reader.line_num) from None


def read_channel(directory: Path | str, text_column: str, label_column: str) -> tuple[list[str], list[str]]:
    """Texts and labels of every `*.csv` under `directory` (sorted paths); CsvError names the file."""
    texts, labels = [], []
    for path in sorted(Path(directory).glob("**/*.csv")):
        try:
            for _, text, label in records(path, text_column, label_column):
                texts.append(text)
                labels.append(label)
        except CsvError as error:
            raise CsvError(one_line(f"{path.name}: {error}")) from None
    return texts, labels
