"""bench/transformer_baseline.py runs end to end on a made-up dictionary: trains for its budget, translates, scores."""

import collections
import importlib.util
import re
import sys
from pathlib import Path

import pytest

from keras_seq2seq.data import ding

LINES = "".join(
    f"Wort{n} {{n}} | Das ist das Wort {n}. | Wo ist das Wort {n}? :: "
    f"word{n} | This is word {n}. | Where is word {n}?\n"
    for n in range(40)
)


@pytest.mark.slow
def test_the_baseline_trains_for_its_budget_and_prints_the_table(tmp_path, monkeypatch, capsys):
    dictionary = tmp_path / "de-en"
    dictionary.write_text(LINES, encoding="utf-8")
    ding.dictionary_pairs.cache_clear()
    monkeypatch.setattr(ding, "dictionary_path", lambda: dictionary)
    path = Path(__file__).parents[1] / "bench" / "transformer_baseline.py"
    spec = importlib.util.spec_from_file_location("transformer_baseline", path)
    baseline = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(baseline)
    monkeypatch.setattr(sys, "argv", ["transformer_baseline.py", "--minutes", "0.05", "--vocabulary-size", "60",
                                      "--embedding-dim", "8", "--intermediate-dim", "16", "--heads", "2",
                                      "--batch-size", "4"])
    baseline.main()
    lines = capsys.readouterr().out.splitlines()
    splits = collections.Counter(ding.split_of(german) for german, _ in ding.dictionary_pairs(str(dictionary))[0])
    assert splits["test"] > 0
    assert re.fullmatch(rf"{splits['train']} training pairs, {splits['test']} test pairs, vocabulary \d+", lines[-5])
    assert lines[-4] == "| model | sacreBLEU | chrF | training time | parameters | translations per second |"
    assert lines[-2].startswith("| Transformer (keras-hub) | ")
    assert lines[-1].startswith("sacreBLEU nrefs:1|case:lc|")
