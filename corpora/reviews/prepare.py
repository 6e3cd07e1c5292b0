"""Rebuild this experiment's files from the downloaded originals (see SOURCES for what and why).

    apt-get download r-cran-janeaustenr=1.0.0-1 r-cran-tokenizers=0.3.0-1 wordnet-base=1:3.0-37
    pip download --no-deps --no-binary :all: vaderSentiment==3.3.2
    python prepare.py DOWNLOADS [OUT]      # OUT defaults to this folder

Standard library only. The output is byte for byte the same on every run (fixed seed, gzip mtime 0).
"""

from __future__ import annotations

import csv
import gzip
import io
import random
import struct
import sys
import tarfile
import zlib
from pathlib import Path

SEED = 2014  # the year of the VADER paper: any fixed number would do
SIZES = {"train": 400, "test": 600, "transfer": 1000}  # sentences, half of each class
NEUTRAL = 0.5  # mean ratings within ±0.5 of zero are neither positive nor negative: dropped
AUSTEN = ("sensesensibility", "prideprejudice", "mansfieldpark", "emma", "northangerabbey", "persuasion")


def deb_member(deb: Path, suffix: str) -> bytes:
    """A file from a Debian package (an ar archive holding data.tar.xz)."""
    data, at = deb.read_bytes(), 8
    while at < len(data):
        name, size = data[at:at + 16].strip().decode(), int(data[at + 48:at + 58])
        body = data[at + 60:at + 60 + size]
        if name.startswith("data.tar"):
            with tarfile.open(fileobj=io.BytesIO(body)) as tar:
                member = next(m for m in tar.getmembers() if m.name.endswith(suffix))
                return tar.extractfile(member).read()
        at += 60 + size + size % 2
    raise SystemExit(f"{deb}: no {suffix} inside")


class RSerialized:
    """Just enough of R's XDR serialization to read the character vectors of a lazy-load database."""

    def __init__(self, data: bytes):
        if data[:2] != b"X\n":
            raise SystemExit("not XDR-serialized R data")
        self.data, self.at, self.symbols = data, 2, []
        version, _, _ = self.int(), self.int(), self.int()
        if version == 3:
            length = self.int()
            self.at += length  # skip the name of the native encoding

    def int(self) -> int:
        (value,) = struct.unpack(">i", self.data[self.at:self.at + 4])
        self.at += 4
        return value

    def item(self):
        """A string, a list of values, a dict for a vector with names, or a pairlist node."""
        flags = self.int()
        kind, has_attributes, has_tag = flags & 0xFF, flags & (1 << 9), flags & (1 << 10)
        if kind == 254:  # NULL
            return None
        if kind == 9:  # one string
            n = self.int()
            text = None if n == -1 else self.data[self.at:self.at + n].decode("utf-8", "replace")
            self.at += max(n, 0)
            return text
        if kind == 1:  # a symbol: its name, which later references repeat by number
            self.symbols.append(self.item())
            return self.symbols[-1]
        if kind == 255:  # a reference to an earlier symbol
            number = flags >> 8 or self.int()
            return self.symbols[number - 1]
        if kind in (2, 17):  # a pairlist node: (tag, value, next)
            if has_attributes:
                self.item()
            tag = self.item() if has_tag else None
            return (tag, self.item(), self.item())
        if kind in (10, 13, 14):  # logicals, integers, doubles
            n, code, width = self.int(), "d" if kind == 14 else "i", 8 if kind == 14 else 4
            values = list(struct.unpack(f">{n}{code}", self.data[self.at:self.at + width * n]))
            self.at += width * n
        elif kind in (16, 19):  # character vector, list
            values = [self.item() for _ in range(self.int())]
        else:
            raise SystemExit(f"R type {kind} is not needed here")
        names = _names(self.item()) if has_attributes else None
        return dict(zip(names, values)) if names else values


def _names(attributes) -> list[str] | None:
    while attributes is not None:
        tag, value, attributes = attributes
        if tag == "names":
            return value
    return None


def r_lazy_load(deb: Path, base: str) -> dict:
    """The objects of an R package's lazy-load database (base.rdb), by name, via its index (base.rdx)."""
    index = RSerialized(gzip.decompress(deb_member(deb, base + ".rdx"))).item()
    database = deb_member(deb, base + ".rdb")
    objects = {}
    for name, (offset, length) in index["variables"].items():
        record = database[int(offset):int(offset) + int(length)]  # a 4-byte length, then zlib
        objects[name] = RSerialized(zlib.decompress(record[4:])).item()
    return objects


def paragraphs(lines: list[str | None]) -> list[str]:
    """Lines of a printed book joined into one line a paragraph: windows never cross a line."""
    out, current = [], []
    for line in [*lines, ""]:
        line = (line or "").strip()
        if line:
            current.append(line)
        elif current:
            out.append(" ".join(current))
            current = []
    return [p for p in out if "gutenberg" not in p.lower()]


def moby_dick(text: str) -> list[str]:
    """Moby Dick without Project Gutenberg's header, footer and licence."""
    start = text.index("*** START OF")
    end = text.index("*** END OF")
    body = text[text.index("\n", start) + 1:end]
    return paragraphs(body.split("\n"))


def wordnet_glosses(deb: Path) -> list[str]:
    """Every WordNet 3.0 gloss (definition and examples), one a line."""
    glosses = []
    for part in ("noun", "verb", "adj", "adv"):
        for line in deb_member(deb, f"/data.{part}").decode("utf-8").splitlines():
            if not line.startswith("  ") and " | " in line:
                glosses.append(line.split(" | ", 1)[1].strip())
    return glosses


def labeled(sdist: Path, name: str) -> list[tuple[str, str, float]]:
    """(text, label, mean rating) from one of VADER's ground-truth files, neutral and repeated ones dropped."""
    with tarfile.open(sdist) as outer:
        inner = outer.extractfile(next(m for m in outer.getmembers() if m.name.endswith("hutto_ICWSM_2014.tar.gz")))
        with tarfile.open(fileobj=io.BytesIO(inner.read())) as tar:
            member = next(m for m in tar.getmembers() if m.name.endswith(name))
            text = tar.extractfile(member).read().decode("utf-8")
    rows, seen = [], set()
    for line in text.splitlines():
        _, rating, sentence = line.split("\t", 2)
        sentence, rating = " ".join(sentence.split()), float(rating)
        if abs(rating) > NEUTRAL and sentence.lower() not in seen:
            seen.add(sentence.lower())
            rows.append((sentence, "positive" if rating > 0 else "negative", rating))
    return rows


def balanced(rows, count: int, rng: random.Random) -> list:
    """`count` rows, half of each class, drawn by `rng`, in their original order."""
    chosen = []
    for label in ("negative", "positive"):
        members = [i for i, row in enumerate(rows) if row[1] == label]
        chosen += rng.sample(members, count // 2)
    return [rows[i] for i in sorted(chosen)]


def write_csv(path: Path, rows) -> None:
    with open(path, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["text", "label", "rating"])
        writer.writerows((text, label, f"{rating:g}") for text, label, rating in rows)


def main(downloads: Path, out: Path) -> None:
    austen = r_lazy_load(downloads / "r-cran-janeaustenr_1.0.0-1_all.deb", "janeaustenr/data/Rdata")
    tokenizers = r_lazy_load(downloads / "r-cran-tokenizers_0.3.0-1_amd64.deb", "tokenizers/data/Rdata")
    lines = [p for book in AUSTEN for p in paragraphs(austen[book])]
    lines += moby_dick(tokenizers["mobydick"]["mobydick"])  # a named vector of one string
    lines += wordnet_glosses(downloads / "wordnet-base_1%3a3.0-37_all.deb")
    with open(out / "general.txt.gz", "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as gz:
        gz.write(("\n".join(lines) + "\n").encode("utf-8"))

    rng = random.Random(SEED)
    sdist = downloads / "vaderSentiment-3.3.2.tar.gz"
    movies = labeled(sdist, "movieReviewSnippets_GroundTruth.txt")
    products = labeled(sdist, "amazonReviewSnippets_GroundTruth.txt")
    # Train and test are disjoint draws from the movie sentences; transfer comes from the products.
    picked = balanced(movies, SIZES["train"] + SIZES["test"], rng)
    train = balanced(picked, SIZES["train"], rng)
    write_csv(out / "train.csv", train)
    write_csv(out / "test.csv", [row for row in picked if row not in train])
    write_csv(out / "transfer.csv", balanced(products, SIZES["transfer"], rng))


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        raise SystemExit(__doc__)
    main(Path(sys.argv[1]), Path(sys.argv[2]) if len(sys.argv) == 3 else Path(__file__).parent)
