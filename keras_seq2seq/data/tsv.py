"""Tab-separated `source<TAB>target` files: one pair per line."""

from keras_seq2seq.errors import InputError


def load_pairs(path):
    """Reads `(sources, targets)` from a TSV file; blank lines are skipped.

    Raises `InputError` naming the file and line for a line without exactly one
    tab, with an empty side, or that is not UTF-8.

    Example:
    >>> import tempfile, pathlib
    >>> file = pathlib.Path(tempfile.mkdtemp()) / "pairs.tsv"
    >>> _ = file.write_text("16+75\\t91\\n1+2\\t3\\n")
    >>> load_pairs(file)
    (['16+75', '1+2'], ['91', '3'])
    """
    try:
        raw_lines = open(path, "rb").read().splitlines()
    except OSError as error:
        raise InputError(f"cannot read {path}: {error.strerror}") from None
    sources, targets = [], []
    for number, raw in enumerate(raw_lines, start=1):
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise InputError(f"{path}:{number}: line is not valid UTF-8: {raw[:60]!r}") from None
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) != 2 or not fields[0] or not fields[1]:
            raise InputError(f"{path}:{number}: expected 'source<TAB>target', got {line[:80]!r}")
        sources.append(fields[0])
        targets.append(fields[1])
    if not sources:
        raise InputError(f"{path} holds no pairs")
    return sources, targets


def write_pairs(path_or_file, sources, targets):
    """Writes pairs as TSV lines (the format `load_pairs` reads) to a path or an open text file."""
    lines = (f"{source}\t{target}\n" for source, target in zip(sources, targets))
    if hasattr(path_or_file, "write"):
        path_or_file.writelines(lines)
        return
    with open(path_or_file, "w", encoding="utf-8") as file:
        file.writelines(lines)
