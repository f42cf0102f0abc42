import io

import pytest

from keras_seq2seq import InputError
from keras_seq2seq.data import addition_pairs, load_pairs, write_pairs


def test_round_trip(tmp_path):
    sources, targets = addition_pairs(30, seed=4)
    sources, targets = sources + ["é€ x", "😀"], targets + ["ü", "a b"]
    write_pairs(tmp_path / "pairs.tsv", sources, targets)
    assert load_pairs(tmp_path / "pairs.tsv") == (sources, targets)
    assert len((tmp_path / "pairs.tsv").read_text(encoding="utf-8").splitlines()) == 32


def test_writes_to_an_open_file():
    buffer = io.StringIO()
    write_pairs(buffer, ["1+2", "3+4"], ["3", "7"])
    assert buffer.getvalue() == "1+2\t3\n3+4\t7\n"


def test_skips_blank_lines_and_reads_crlf(tmp_path):
    file = tmp_path / "pairs.tsv"
    file.write_bytes(b"1+2\t3\r\n\r\n   \n3+4\t7\n\n")
    assert load_pairs(file) == (["1+2", "3+4"], ["3", "7"])


@pytest.mark.parametrize(
    "line",
    [b"no tab here", b"two\ttabs\there", b"\tempty source", b"empty target\t", b"bad \xff utf-8\tx"],
)
def test_malformed_line_names_the_file_and_line(tmp_path, line):
    file = tmp_path / "pairs.tsv"
    file.write_bytes(b"1+2\t3\n\n3+4\t7\n" + line + b"\n5+6\t11\n")
    with pytest.raises(InputError) as error:
        load_pairs(file)
    assert str(error.value).startswith(f"{file}:4: ")


def test_missing_and_empty_files(tmp_path):
    with pytest.raises(InputError, match="cannot read .*missing.tsv"):
        load_pairs(tmp_path / "missing.tsv")
    (tmp_path / "empty.tsv").write_text("\n\n")
    with pytest.raises(InputError, match="empty.tsv holds no pairs"):
        load_pairs(tmp_path / "empty.tsv")
    with pytest.raises(InputError, match="cannot read"):
        load_pairs(tmp_path)  # a folder
