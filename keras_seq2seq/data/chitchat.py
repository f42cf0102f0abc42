"""The chitchat task: (message, reply) pairs from the `chitchat-dataset` package (MIT, BYU PCC lab).

The package ships the Chit Chat Challenge conversations: about 7,000 chats
between two people, each a list of turns; a turn is one or more messages of one
speaker in a row, joined here with a space. Every turn paired with the next turn
of the same conversation makes a (message, reply) pair.

Filtering, applied in this order (`chitchat_report` counts what each rule removes):

1. **empty**: a turn with no text (whitespace collapsed first);
2. **length**: a message of more than `MAX_MESSAGE_WORDS` words or a reply of more
   than `MAX_REPLY_WORDS` (whitespace-separated words; the recipe task then also
   drops pairs longer than its token limits);
3. **profanity**: a pair either side of which has a word of `PROFANITY` (our
   own short list of English swear words and slurs, whole words, any case);
4. **duplicates**: a (message, reply) pair met again in the same split is kept once.

**Split rule** (`hash_split.split_of`): the SHA-1 of the conversation's id, so a
conversation is on one side only.
"""

import collections
import functools
import importlib.resources
import json
import re

from keras_seq2seq.data.corpus_task import word_piece_task
from keras_seq2seq.data.hash_split import SPLITS, check_split, split_of
from keras_seq2seq.errors import InputError

# Words; shorter replies train faster on a CPU (the length filter removes 38,865 of 131,569 pairs).
MAX_MESSAGE_WORDS = 32
MAX_REPLY_WORDS = 24
VOCABULARY_SIZE = 8000  # word pieces, the four special ids included
# Tokens (words, word pieces, punctuation marks): a few kept pairs with long pieced words are longer.
MAX_SOURCE_LENGTH = 48
MAX_TARGET_LENGTH = 40
# Whole words, any case; a stem with \w* also takes its forms (fucking, bitches). "shit" is
# spelt out: a stem would also take "shito", a pepper sauce the corpus talks about.
PROFANITY = re.compile(
    r"\b(?:fuck\w*|motherfuck\w*|shit|shits|shitty|bullshit|bitch\w*|cunt\w*|asshole\w*|bastard\w*|"
    r"slut\w*|whore\w*|pussy|pussies|cock|cocks|wank\w*|fag|fags|faggot\w*|nigg\w*|retard|retards|retarded)\b",
    re.IGNORECASE,
)


def chitchat_pairs(split="train"):
    """`(messages, replies)` of `split` ("train", "dev" or "test"), in the corpus's conversation order.

    Example:
    >>> messages, replies = chitchat_pairs("test")
    >>> len(messages) == len(replies) > 1000
    True
    >>> all(len(message.split()) <= MAX_MESSAGE_WORDS for message in messages)
    True
    """
    check_split(split)
    pairs = _filtered_pairs()[split]
    return [message for message, _ in pairs], [reply for _, reply in pairs]


def chitchat_task(train_size, validation_size, vocabulary_size=VOCABULARY_SIZE, vocabulary=None):
    """`(train_pairs, validation_pairs, vocabulary, lengths)` for a recipe's `"task": "chitchat"`.

    Train on the train split, validate on dev (`corpus_task.word_piece_task`).
    """
    return word_piece_task(chitchat_pairs("train"), chitchat_pairs("dev"), train_size, validation_size,
                           vocabulary_size, (MAX_SOURCE_LENGTH, MAX_TARGET_LENGTH), vocabulary)


@functools.lru_cache(maxsize=1)
def _filtered_pairs():
    return filter_pairs(conversations())[0]


def filter_pairs(conversations):
    """`(pairs, removed)`: the kept `(message, reply)` pairs of each split, and how many each rule removed.

    `conversations` maps a conversation id to its list of turns.

    Example:
    >>> pairs, removed = filter_pairs({"a": ["Hi!", "hello", "Hi!", "hello", "what the fuck", ""]})
    >>> pairs[split_of("a")], sorted(removed.items())
    ([('Hi!', 'hello'), ('hello', 'Hi!')], [('duplicates', 1), ('empty', 1), ('profanity', 1)])
    """
    pairs, removed = {split: {} for split in SPLITS}, collections.Counter()
    for conversation_id, turns in conversations.items():
        kept = pairs[split_of(conversation_id)]  # a dict as an ordered set
        for message, reply in zip(turns, turns[1:]):
            if not message or not reply:
                removed["empty"] += 1
            elif len(message.split()) > MAX_MESSAGE_WORDS or len(reply.split()) > MAX_REPLY_WORDS:
                removed["length"] += 1
            elif PROFANITY.search(message) or PROFANITY.search(reply):
                removed["profanity"] += 1
            elif (message, reply) in kept:
                removed["duplicates"] += 1
            else:
                kept[message, reply] = None
    return {split: list(kept) for split, kept in pairs.items()}, removed


def conversations():
    """`{conversation id: [turn, ...]}` of the whole corpus; a turn's messages joined, whitespace collapsed."""
    try:
        file = importlib.resources.files("chitchat_dataset") / "dataset.json"
    except ModuleNotFoundError:
        raise InputError("the chitchat task needs the chitchat-dataset package: pip install chitchat-dataset") from None
    try:
        corpus = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InputError(f"{file} is not a readable chitchat-dataset file: {error}") from None
    return {
        conversation_id: [" ".join(" ".join(message["text"] for message in turn).split())
                          for turn in conversation["messages"]]
        for conversation_id, conversation in corpus.items()
    }


def chitchat_report():
    """Lines saying how many pairs the corpus has, what each filter removed and each split keeps."""
    corpus = conversations()
    pairs, removed = filter_pairs(corpus)
    report = [
        f"{len(corpus)} conversations, "
        f"{sum(max(len(turns) - 1, 0) for turns in corpus.values())} consecutive-turn pairs",
        "removed: " + ", ".join(f"{count} for {rule}" for rule, count in removed.items()),
    ]
    for split in SPLITS:
        conversation_count = sum(split_of(conversation_id) == split for conversation_id in corpus)
        report.append(f"{split}: {len(pairs[split])} pairs from {conversation_count} conversations")
    return report
