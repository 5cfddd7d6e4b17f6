"""Read SageMaker data-capture files (inference/capture.py writes the same format locally).

`read_new` lists the hour folders `<capture prefix>/<endpoint>/<variant>/yyyy/mm/dd/hh/`
since the last run and reads the files it has not read before;
`pairs` turns records into the texts sent and the predictions returned.
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import io
import json
from collections.abc import Iterator

from inference.handler import RequestError, parse_texts
from monitoring.drift import Prediction


def _data(part: dict) -> bytes:
    data = part.get("data", "")
    return base64.b64decode(data) if part.get("encoding") == "BASE64" else data.encode("utf-8")


def _media(part: dict) -> str:
    return (part.get("observedContentType") or "application/json").split(";", 1)[0].strip().lower()


def predictions_of(data: bytes, media: str) -> list[Prediction]:
    """Predictions of a response body (application/json, application/jsonlines or text/csv)."""
    text = data.decode("utf-8")
    if media == "text/csv":
        rows = list(csv.reader(io.StringIO(text)))
        return [Prediction(row[0], max(float(v) for v in row[1:])) for row in rows[1:] if row]
    if media == "application/jsonlines":
        items = [json.loads(line) for line in text.splitlines() if line.strip()]
    else:
        items = json.loads(text)["predictions"]
    return [Prediction(str(item["label"]), max(float(p) for p in item["probabilities"].values())) for item in items]


def pairs(records: list[dict]) -> tuple[list[str], list[Prediction], int]:
    """(texts, predictions, unreadable records): one text and one prediction per instance."""
    texts: list[str] = []
    predictions: list[Prediction] = []
    unreadable = 0
    for record in records:
        capture = record.get("captureData", {})
        request, response = capture.get("endpointInput"), capture.get("endpointOutput")
        try:
            sent = parse_texts(_data(request), _media(request))
            returned = predictions_of(_data(response), _media(response))
        except (RequestError, ValueError, KeyError, TypeError, AttributeError, IndexError):
            unreadable += 1
            continue
        if len(sent) != len(returned):
            unreadable += 1
            continue
        texts += sent
        predictions += returned
    return texts, predictions, unreadable


def hours(start: dt.datetime, end: dt.datetime) -> Iterator[dt.datetime]:
    hour = start.replace(minute=0, second=0, microsecond=0)
    while hour <= end:
        yield hour
        hour += dt.timedelta(hours=1)


def read_new(
    s3, capture_uri: str, endpoint: str, variant: str, since: dt.datetime, until: dt.datetime, seen: set[str]
) -> tuple[list[dict], list[str]]:
    """Records of the capture files not in `seen`, in the hour folders from `since` - 1 h to `until`.

    Returns (records, keys of the last two hours' folders): the next run passes those keys as
    `seen`, so a file is read once even when SageMaker writes it into an hour folder late.
    """
    bucket, _, prefix = capture_uri.removeprefix("s3://").partition("/")
    records: list[dict] = []
    recent: list[str] = []
    paginator = s3.get_paginator("list_objects_v2")
    for hour in hours(since - dt.timedelta(hours=1), until):
        folder = f"{prefix.strip('/')}/{endpoint}/{variant}/{hour:%Y/%m/%d/%H}/"
        for page in paginator.paginate(Bucket=bucket, Prefix=folder):
            for item in page.get("Contents", []):
                key = item["Key"]
                if hour >= until.replace(minute=0, second=0, microsecond=0) - dt.timedelta(hours=1):
                    recent.append(key)
                if key in seen:
                    continue
                body = s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode("utf-8")
                records += [json.loads(line) for line in body.splitlines() if line.strip()]
    return records, recent
