"""Fetch what the shipped real experiments' prepare.py rebuild their files from, so that the suite's
full rebuilds (tests/test_prepare_packages.py) run in CI:

    python3 .ci/downloads.py packages FOLDER    # Debian 12's two indices (15 MB)
    python3 .ci/downloads.py reviews FOLDER     # three Debian packages and one PyPI source (9 MB)

Prints FOLDER when every file is there with the sha256 the experiment's SOURCES names (hashes are
read from SOURCES: they are written in one place), else says why not on stderr and exits 1: an
archive can replace a file (Debian's indices at its next point release), and then the test skips."""

import hashlib
import re
import subprocess
import sys
import urllib.request
from pathlib import Path

CORPORA = Path(__file__).resolve().parent.parent / "corpora"
DEBIAN = "http://deb.debian.org/debian/"
# Where each download is: SOURCES gives commands (apt-get download, pip download), not addresses.
ADDRESSES = {
    "Packages.xz": DEBIAN + "dists/bookworm/main/binary-amd64/Packages.xz",
    "Translation-en.xz": DEBIAN + "dists/bookworm/main/i18n/Translation-en.xz",
    "r-cran-janeaustenr_1.0.0-1_all.deb": DEBIAN + "pool/main/r/r-cran-janeaustenr/r-cran-janeaustenr_1.0.0-1_all.deb",
    "r-cran-tokenizers_0.3.0-1_amd64.deb": DEBIAN + "pool/main/r/r-cran-tokenizers/r-cran-tokenizers_0.3.0-1_amd64.deb",
    "wordnet-base_1%3a3.0-37_all.deb": DEBIAN + "pool/main/w/wordnet/wordnet-base_3.0-37_all.deb",
    "vaderSentiment-3.3.2.tar.gz": "pip download --no-deps --no-binary :all: vaderSentiment==3.3.2",
}
HASH_LINE = re.compile(r"^\s+([0-9a-f]{64})\s+(\S+)", re.MULTILINE)


def downloads(experiment: str) -> dict[str, str]:
    """The files SOURCES lists above 'and the files it writes', by name, with their sha256."""
    sources = (CORPORA / experiment / "SOURCES").read_text()
    read = sources.split("and the files it writes")[0]
    return {name: digest for digest, name in HASH_LINE.findall(read)}


def fetch(name: str, target: Path) -> None:
    where = ADDRESSES[name]
    if where.startswith("pip "):
        subprocess.run([sys.executable, "-m", "pip", *where.split()[1:], "-q", "-d", str(target.parent)], check=True,
                       stdout=subprocess.DEVNULL)
    else:
        with urllib.request.urlopen(where, timeout=60) as response:
            target.write_bytes(response.read())


def main(experiment: str, folder: Path) -> int:
    folder.mkdir(parents=True, exist_ok=True)
    for name, digest in downloads(experiment).items():
        target = folder / name
        try:
            if not target.exists() or hashlib.sha256(target.read_bytes()).hexdigest() != digest:
                fetch(name, target)
        except (OSError, subprocess.CalledProcessError) as exc:
            print(f"{name}: {exc}", file=sys.stderr)
            return 1
        if not target.exists() or hashlib.sha256(target.read_bytes()).hexdigest() != digest:
            print(f"{name}: the archive now serves another file than SOURCES names", file=sys.stderr)
            return 1
    print(folder)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], Path(sys.argv[2])))
