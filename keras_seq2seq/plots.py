"""Plots: attention weights as a heatmap with the tokens on both axes, and learning curves."""

import matplotlib

matplotlib.use("Agg")  # files only, no screen
import matplotlib.pyplot as plt  # noqa: E402

from keras_seq2seq.errors import InputError  # noqa: E402


def plot_attention(model, text, path):
    """Draws the attention of `model` (an `AttentionSeq2Seq`) answering `text`; writes a PNG to `path`.

    Columns are the tokens of `text` as the model reads it (`model_sources`: a
    date model's reading mark, then the normalised text): characters, phones or
    word pieces (`##` marks a piece that continues a word); rows the tokens of
    the answer as the decoder wrote it (`greedy_attention`) and the end token. Returns the answer.
    """
    if not hasattr(model, "greedy_attention"):
        raise InputError(f"{type(model).__name__} has no attention to plot; use an attention preset")
    (attention,) = model.greedy_attention([text])  # one decode gives the answer and its weights
    (source,) = model.model_sources([text])
    source = model.tokenizer.pieces(source)
    rows = [*attention.pieces, "<end>"]
    figure, axis = plt.subplots(figsize=(0.35 * len(source) + 2, 0.35 * len(rows) + 1.5))
    image = axis.imshow(attention.weights, cmap="viridis", vmin=0, vmax=1, aspect="auto")
    axis.set_xticks(range(len(source)), [repr(c)[1:-1] if c == " " else c for c in source])
    axis.set_yticks(range(len(rows)), rows)
    axis.set_xlabel("input")
    axis.set_ylabel("output")
    axis.set_title(f"{text} -> {attention.answer}", fontsize=9)
    figure.colorbar(image, ax=axis, fraction=0.04)
    _save(figure, path, dpi=120)
    return attention.answer


# Panels of the learning curves: title, then the history keys drawn in it.
CURVES = (
    ("loss", ("loss", "val_loss")),
    ("masked accuracy", ("masked_accuracy", "val_masked_accuracy")),
    ("exact match", ("exact_match", "val_exact_match")),
    ("learning rate", ("learning_rate",)),
)


def plot_learning_curves(history, path):
    """Draws `history` (`{"loss": [per epoch], "val_loss": [...], ...}`) as four panels; writes a PNG to `path`.

    Panels: loss, masked accuracy, exact match (training and validation), and the
    learning rate at the end of each epoch; keys missing from `history` are left out.

    Example:
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "curves.png"
    >>> plot_learning_curves({"loss": [2.1, 1.4], "val_loss": [2.0, 1.5]}, path)
    >>> path.stat().st_size > 0
    True
    """
    figure, axes = plt.subplots(1, len(CURVES), figsize=(4 * len(CURVES), 3.2))
    for axis, (title, keys) in zip(axes, CURVES):
        for key in keys:
            values = history.get(key) or []
            if values:
                axis.plot(range(1, len(values) + 1), values, marker="o", markersize=3, label=key)
        axis.set_title(title, fontsize=10)
        axis.set_xlabel("epoch")
        if axis.lines:
            axis.legend(fontsize=8)
    _save(figure, path, dpi=100)


def _save(figure, path, dpi):
    """Writes `figure` to `path` and closes it; a path that cannot be written is an `InputError`."""
    figure.tight_layout()
    try:
        figure.savefig(path, dpi=dpi)
    except OSError as error:
        raise InputError(f"cannot write {path}: {error.strerror}") from None
    finally:
        plt.close(figure)
