"""Hypothesis strategies for experiment folders: small, often broken, sometimes valid. Used by the
property test in the suite and by benchmarks/stress.py, which runs many more examples."""

import io
import json
from pathlib import Path

import numpy as np
from hypothesis import strategies as st

WORDS = ["good", "bad", "film", "great", "awful", "acting", "plot", "the", "é", "[bold]", "x"]
word = st.sampled_from(WORDS)
sentence = st.lists(word, min_size=1, max_size=6).map(" ".join)
wild_number = st.one_of(st.integers(-3, 10**15), st.floats(allow_nan=True, allow_infinity=True),
                        st.text(max_size=3), st.booleans())


def rarely(draw, usual, wild, one_in: int = 10):
    """Mostly `usual`, once in `one_in` draws `wild`: so that about half the folders are valid. (Not
    `integers(1, one_in) == 1`: Hypothesis favours the ends of a range, which would make it often.)"""
    return draw(wild if draw(st.integers(1, 10**6 - 1)) % one_in == 0 else usual)


def number(draw):
    """A number setting: small and in range (so that valid runs are quick), or anything."""
    return rarely(draw, st.integers(1, 3), wild_number)


def toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return "nan" if value != value else ("inf" if value == float("inf") else "-inf" if value == float("-inf")
                                               else repr(value))
    return json.dumps(value)  # ints and strings: JSON's spelling is TOML's


@st.composite
def csv_bytes(draw) -> bytes:
    if draw(st.integers(1, 10**6 - 1)) % 10 == 0:
        return draw(st.binary(max_size=60))
    label = st.sampled_from(["pos", "neg", "neutral"])
    labels = ["pos", "neg"] + [rarely(draw, label, st.sampled_from(["", ","]), 20) for _ in range(draw(st.integers(0, 4)))]
    rows = [(draw(sentence), name) for name in labels][:rarely(draw, st.just(6), st.integers(0, 1))]
    header = rarely(draw, st.sampled_from(["text,label", "label,text"]), st.sampled_from(["sentence,label", "text,"]))
    return "\n".join([header] + [f'"{text}",{label}' for text, label in rows]).encode()


@st.composite
def corpus_bytes(draw) -> bytes:
    if draw(st.integers(1, 10**6 - 1)) % 10 == 0:
        return draw(st.binary(max_size=80))
    return "\n".join(draw(st.lists(sentence, min_size=rarely(draw, st.just(1), st.just(0)), max_size=8))).encode()


@st.composite
def npz_bytes(draw) -> bytes:
    words = draw(st.lists(word, min_size=0, max_size=5))
    if draw(st.booleans()):
        words = sorted(set(words))
    columns = draw(st.integers(0, 3))
    values = st.floats(allow_nan=True, allow_infinity=True) if draw(st.booleans()) else st.floats(-1, 1)
    matrix = np.array(draw(st.lists(st.lists(values, min_size=columns, max_size=columns),
                                    min_size=len(words), max_size=len(words) + draw(st.integers(0, 1)))))
    corpus = {"sentences": 1, "tokens": 1, "kept_tokens": 1, "vocabulary": len(words), "dimension": columns,
              "window": 3, "weighting": "counts"}
    settings = draw(st.sampled_from([json.dumps({"corpus": corpus}), "{}", "[", '{"corpus": NaN}',
                                     json.dumps({"corpus": {**corpus, "tokens": -1}})]))
    out = io.BytesIO()
    np.savez(out, format=np.array("pretrain-explorer-vectors"), version=np.array(draw(st.sampled_from([1, 1, 2]))),
             words=np.array(words, dtype=str), matrix=matrix, settings=np.array(settings))
    return out.getvalue()


@st.composite
def experiment_folders(draw) -> dict[str, bytes]:
    """File name -> content of an experiment folder, `experiment.toml` among them."""
    files = {"train.csv": draw(csv_bytes()), "test.csv": draw(csv_bytes())}
    source = rarely(draw, st.just("corpus"), st.just("vectors"), 4)
    files["c.txt" if source == "corpus" else "v.npz"] = draw(corpus_bytes() if source == "corpus" else npz_bytes())
    keys = {"pretraining": {source: "c.txt" if source == "corpus" else "v.npz", "window": number(draw)},
            "finetuning": {"train": "train.csv", "test": "test.csv", "epochs": number(draw),
                           "learning_rate": number(draw), "l2": rarely(draw, st.just(0.001), wild_number)},
            "analysis": {"probes": draw(st.lists(word, max_size=2)), "top_n": number(draw)},
            "random": {"seed": rarely(draw, st.just(1), wild_number), "seeds": number(draw)}}
    for table in keys.values():  # now and then a key goes missing
        if draw(st.integers(1, 10**6 - 1)) % 20 == 0:
            table.pop(draw(st.sampled_from(sorted(table))))
    toml = "\n".join(f"[{table}]\n" + "\n".join(f"{key} = {toml_value(value)}" for key, value in values.items())
                     for table, values in keys.items())
    files["experiment.toml"] = rarely(draw, st.just(toml.encode()), st.binary(max_size=40), 20)
    return files


def write_folder(folder: Path, files: dict[str, bytes]) -> None:
    folder.mkdir()
    for name, content in files.items():
        (folder / name).write_bytes(content)
