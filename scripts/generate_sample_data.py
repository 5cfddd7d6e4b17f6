"""Generate the SYNTHETIC sample dataset in the mtsamples schema (no real patient data).

    .venv/bin/python scripts/generate_sample_data.py [--out PATH] [--rows N]

Writes `training_pipeline/data/sample_mtsamples.csv` with the columns of the public
medical-transcription dataset (`description, medical_specialty, sample_name, transcription,
keywords`). Every row is invented from word lists below with a fixed seed, so the file is
byte-identical on every run (a test regenerates it and compares). Specialties share a large
clinical vocabulary and each note borrows terms from another specialty, so a TF-IDF classifier
scores a realistic ~0.85-0.95 accuracy, not 1.0.
"""

from __future__ import annotations

import argparse
import csv
import io
import random
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO_ROOT / "training_pipeline" / "data" / "sample_mtsamples.csv"
SEED = 20261127
DEFAULT_ROWS = 1200
COLUMNS = ("description", "medical_specialty", "sample_name", "transcription", "keywords")

# Leading space as in the real CSV's labels; the data loader strips it.
SPECIALTIES: dict[str, list[str]] = {
    " Cardiovascular / Pulmonary": [
        "chest pain",
        "dyspnea",
        "atrial fibrillation",
        "echocardiogram",
        "ejection fraction",
        "coronary artery disease",
        "stent",
        "catheterization",
        "murmur",
        "palpitations",
        "hypertension",
        "congestive heart failure",
        "wheezing",
        "spirometry",
        "pleural effusion",
        "bronchoscopy",
        "troponin",
        "beta blocker",
        "anticoagulation",
        "pulmonary embolism",
    ],
    " Orthopedic": [
        "fracture",
        "knee",
        "shoulder",
        "arthroscopy",
        "rotator cuff",
        "ligament",
        "cast",
        "range of motion",
        "tendon",
        "hip replacement",
        "meniscus",
        "lumbar",
        "osteoarthritis",
        "swelling",
        "x-ray",
        "sprain",
        "physical therapy",
        "orthotic",
        "cartilage",
        "joint effusion",
    ],
    " Gastroenterology": [
        "abdominal pain",
        "colonoscopy",
        "endoscopy",
        "reflux",
        "polyp",
        "nausea",
        "vomiting",
        "diarrhea",
        "constipation",
        "liver",
        "gallbladder",
        "cholecystectomy",
        "hepatitis",
        "stomach",
        "biopsy",
        "esophagus",
        "bowel",
        "pancreatitis",
        "dysphagia",
        "hemorrhoids",
    ],
    " Neurology": [
        "headache",
        "seizure",
        "migraine",
        "numbness",
        "weakness",
        "stroke",
        "tremor",
        "mri of the brain",
        "neuropathy",
        "dizziness",
        "memory loss",
        "eeg",
        "gait",
        "reflexes",
        "cranial nerves",
        "multiple sclerosis",
        "vertigo",
        "tingling",
        "lumbar",
        "syncope",
    ],
    " Urology": [
        "hematuria",
        "prostate",
        "kidney stone",
        "cystoscopy",
        "bladder",
        "urinary frequency",
        "incontinence",
        "psa",
        "catheter",
        "urethra",
        "renal",
        "flank pain",
        "dysuria",
        "ureteroscopy",
        "lithotripsy",
        "scrotal",
        "vasectomy",
        "urinalysis",
        "biopsy",
        "nocturia",
    ],
    " Obstetrics / Gynecology": [
        "pregnancy",
        "gestation",
        "cesarean section",
        "uterus",
        "ovarian cyst",
        "pelvic pain",
        "menstrual",
        "pap smear",
        "cervix",
        "fetal heart",
        "labor",
        "postpartum",
        "ultrasound",
        "hysterectomy",
        "endometriosis",
        "prenatal",
        "contraception",
        "vaginal bleeding",
        "laparoscopy",
        "fibroids",
    ],
}

SHARED = [
    "the patient",
    "history of present illness",
    "past medical history",
    "diabetes",
    "allergies",
    "medications",
    "vital signs",
    "blood pressure",
    "physical examination",
    "no acute distress",
    "laboratory studies",
    "follow up",
    "pain",
    "ultrasound",
    "ct scan",
    "biopsy",
    "fever",
    "lumbar",
    "surgery",
    "anesthesia",
    "fatigue",
    "weight loss",
    "smoking",
    "consent",
    "discharge",
]
OPENERS = [
    "The patient is a {age}-year-old {sex} who presents with {a}.",
    "{sex_cap} aged {age} referred for evaluation of {a} and {b}.",
    "This {age}-year-old {sex} comes in today complaining of {a}.",
    "Consultation requested for a {age}-year-old {sex} with {a}.",
]
SENTENCES = [
    "History is significant for {a} and {b}.",
    "On examination there is {a} without {b}.",
    "The patient denies {a} but reports {b}.",
    "Prior workup included {a}.",
    "Review of systems is positive for {a}.",
    "Assessment: {a}, possibly related to {b}.",
    "Plan: {a} and {b}, with follow up in {weeks} weeks.",
    "Family history of {a}.",
    "Labs and imaging were reviewed including {a}.",
    "Risks and benefits of {a} were discussed and consent was obtained.",
]


def _note(rng: random.Random, label: str) -> tuple[str, list[str]]:
    own = SPECIALTIES[label]
    other = SPECIALTIES[rng.choice([s for s in SPECIALTIES if s != label])]
    # Mostly own-specialty terms; a confusable share from one other specialty and shared terms.
    borrow = rng.choice((0.05, 0.15, 0.25, 0.35))

    def term() -> str:
        roll = rng.random()
        if roll < 0.4:
            return rng.choice(SHARED)
        return rng.choice(other) if rng.random() < borrow else rng.choice(own)

    age, sex = rng.randint(18, 90), rng.choice(("male", "female"))
    fill = {"age": age, "sex": sex, "sex_cap": sex.capitalize(), "weeks": rng.randint(1, 12)}
    sentences = [rng.choice(OPENERS).format(a=term(), b=term(), **fill)]
    used: list[str] = []
    for _ in range(rng.randint(4, 8)):
        a, b = term(), term()
        used += [a, b]
        sentences.append(rng.choice(SENTENCES).format(a=a, b=b, **fill))
    keywords = sorted({t for t in used if t not in SHARED})[:6]
    return " ".join(sentences), keywords


def generate(rows: int = DEFAULT_ROWS, seed: int = SEED) -> str:
    """The CSV text (header + `rows` rows), identical for the same arguments."""
    rng = random.Random(seed)  # noqa: S311 - reproducible data, not security
    labels = list(SPECIALTIES)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for index in range(rows):
        label = labels[index % len(labels)] if index < len(labels) * 20 else rng.choice(labels)
        text, keywords = _note(rng, label)
        name = label.strip().split(" /")[0]
        writer.writerow(
            (
                f"SYNTHETIC sample {index + 1:05d} - generated text, not a real patient record.",
                label,
                f"Synthetic {name} Note {index + 1:05d}",
                text,
                ", ".join(keywords),
            )
        )
    return out.getvalue()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where to write the CSV")
    parser.add_argument("--rows", type=int, default=DEFAULT_ROWS, help="number of notes")
    args = parser.parse_args(argv)
    text = generate(args.rows)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(text.encode("utf-8"))
    print(f"wrote {args.out} ({args.rows} rows, {len(text.encode()) / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
