"""Task data and `tf.data` pipelines; `tasks.py` lists the tasks.

Every name below is imported on first use (PEP 562 `__getattr__`), so that the
command line reads the task registry at start-up without importing TensorFlow.

Example:
>>> from keras_seq2seq.data import addition_pairs
>>> addition_pairs(2, seed=0)[0]
['850+277', '636+815']
"""

from keras_seq2seq.lazy_names import lazy_getattr

_ATTRIBUTES = {
    "addition_pairs": "keras_seq2seq.data.addition",
    "caption_scenes": "keras_seq2seq.data.scenes",
    "chitchat_pairs": "keras_seq2seq.data.chitchat",
    "date_pairs": "keras_seq2seq.data.dates",
    "dialogue_pairs": "keras_seq2seq.data.dialogue",
    "encode_pairs": "keras_seq2seq.data.pipeline",
    "g2p_pairs": "keras_seq2seq.data.pronunciations",
    "g2p_references": "keras_seq2seq.data.pronunciations",
    "load_captions": "keras_seq2seq.data.image_folder",
    "load_pairs": "keras_seq2seq.data.tsv",
    "pairs_dataset": "keras_seq2seq.data.pipeline",
    "translation_pairs": "keras_seq2seq.data.ding",
    "write_captions": "keras_seq2seq.data.image_folder",
    "write_pairs": "keras_seq2seq.data.tsv",
}


__getattr__ = lazy_getattr(__name__, _ATTRIBUTES)


def __dir__():
    return sorted({*globals(), *_ATTRIBUTES})


__all__ = sorted(_ATTRIBUTES)
