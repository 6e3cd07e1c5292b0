"""Rebuild this experiment's files from Debian 12's package indices (see SOURCES for what and why).

    curl -O http://deb.debian.org/debian/dists/bookworm/main/binary-amd64/Packages.xz
    curl -O http://deb.debian.org/debian/dists/bookworm/main/i18n/Translation-en.xz
    python prepare.py DOWNLOADS [OUT]      # OUT defaults to this folder

Standard library only. The output is byte for byte the same on every run (fixed seed, gzip mtime 0).
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import lzma
import random
import re
import sys
from pathlib import Path

SEED = 2023  # the year Debian 12 was released: any fixed number would do
SECTIONS = ("games", "science", "sound")  # the classes: three sections far apart in what they hold
SIZES = {"train": 300, "test": 600, "transfer": 450}  # packages, a third of each class
# The downloads this script was written against (Debian 12.15's indices, as its signed InRelease lists them).
DOWNLOADS = {
    "Packages.xz": "9e0b5aabb2465b3d2e7a7fe27f9913846277833f7a2826e7767acccff5b588c5",
    "Translation-en.xz": "a3d4a0bfd8e9242810b0885eda7c1a6e05dac15b333ddbaab03ba56f2dfa4bf0",
}
# Short descriptions that say what a package is made of rather than what it does: no task for a reader.
PARTS = re.compile(r"\((?:[^)]*\b(?:data|files|documentation|transitional|dummy|debug|symbols|library)\b[^)]*)\)\s*$",
                   re.IGNORECASE)


def stanzas(text: str):
    """Each stanza of a Debian control file as {field: value}, continuation lines kept."""
    for block in text.split("\n\n"):
        fields, key = {}, None
        for line in block.split("\n"):
            if line[:1] in (" ", "\t") and key is not None:
                fields[key] += "\n" + line
            elif ":" in line:
                key, value = line.split(":", 1)
                fields[key] = value.strip()
        if fields:
            yield fields


def paragraphs(long: str) -> list[str]:
    """A long description's paragraphs, each one line (Debian's " ." separates them)."""
    out, current = [], []
    for line in long.split("\n"):
        line = line.strip()
        if line == ".":
            out.append(" ".join(current))
            current = []
        elif line:
            current.append(line)
    out.append(" ".join(current))
    return [p for p in out if p]


def first_sentence(paragraph: str) -> str:
    match = re.match(r"(.+?[.!?])(\s|$)", paragraph)
    return match.group(1) if match else paragraph


def read(downloads: Path, name: str) -> str:
    data = (downloads / name).read_bytes()
    if hashlib.sha256(data).hexdigest() != DOWNLOADS[name]:
        raise SystemExit(f"{downloads / name}: not the file SOURCES names (sha256 differs)")
    return lzma.decompress(data).decode("utf-8")


def main(downloads: Path, out: Path) -> None:
    descriptions = {}  # by (package, md5): short line and long text
    for t in stanzas(read(downloads, "Translation-en.xz")):
        short, _, long = t["Description-en"].partition("\n")
        descriptions[t["Package"], t["Description-md5"]] = (short.strip(), long)
    packages = []  # (package, source, section, short, long)
    for p in stanzas(read(downloads, "Packages.xz")):
        short, long = descriptions[p["Package"], p["Description-md5"]]
        source = p.get("Source", p["Package"]).split(" ")[0]
        packages.append((p["Package"], source, p.get("Section", ""), short, long))

    # One package a source in each class: the one named as the source, else the first by name,
    # among those whose short description says what the package does (not "(data files)").
    chosen: dict[str, tuple] = {}
    for package in sorted(packages):
        name, source, section, short, _ = package
        if section in SECTIONS and not PARTS.search(short) and (source not in chosen or name == source):
            chosen[source] = package
    by_class = {s: sorted(p for p in chosen.values() if p[2] == s) for s in SECTIONS}
    rng = random.Random(SEED)
    for rows in by_class.values():
        rng.shuffle(rows)
    splits, used = {}, 0
    for split, size in SIZES.items():
        each = size // len(SECTIONS)
        splits[split] = [row for s in SECTIONS for row in by_class[s][used:used + each]]
        used += each
    labeled_sources = {row[1] for rows in splits.values() for row in rows}
    for split, rows in splits.items():
        texts = [(first_sentence(paragraphs(row[4])[0]) if split == "transfer" else row[3], row[2], row[0])
                 for row in rows]
        rng.shuffle(texts)
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["text", "label", "package"])
        writer.writerows(texts)
        (out / f"{split}.csv").write_text(buffer.getvalue(), encoding="utf-8")

    # The corpus: every other package's short and long description, a paragraph a line, each
    # distinct line once, in the packages' order; nothing of a labeled package's source.
    lines, seen = [], set()
    for name, source, section, short, long in packages:
        if source in labeled_sources:
            continue
        for line in [short] + paragraphs(long):
            if line not in seen:
                seen.add(line)
                lines.append(line)
    with (open(out / "general.txt.gz", "wb") as raw,
          gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as gz):
        gz.write(("\n".join(lines) + "\n").encode("utf-8"))


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        raise SystemExit(__doc__)
    main(Path(sys.argv[1]), Path(sys.argv[2]) if len(sys.argv) == 3 else Path(__file__).parent)
