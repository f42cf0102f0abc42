"""The loop of `keras-seq2seq chat`: a message in, the model's answer out, until the user leaves.

Example:
>>> import io, keras_seq2seq as ks
>>> out = io.StringIO()
>>> chat(ks.from_preset("addition"), ["16+75", "", "52+607", "quit", "1+1"], out, out)
2
>>> print(out.getvalue(), end="")
91
error: the input is empty: give at least one character
659
"""

import sys

from keras_seq2seq.errors import InputError

QUIT_WORDS = ("quit", "exit")


def chat(model, messages, answers_to=None, errors_to=None, **options):
    """Answers each of `messages` (strings) until they end, one is "quit" or "exit", or Ctrl-C.

    Answers go to `answers_to` (default standard output). A message the model
    cannot take (empty, too long, not text) gets one line on `errors_to` (default
    standard error) naming the problem, and the loop goes on. `options` are the
    decoding options of `model.generate` (beam search, sampling, `max_length`); bad
    ones raise `InputError` before the first message. Returns the number of answers.
    """
    model.decoding_options(**options)
    answers_to, errors_to = answers_to or sys.stdout, errors_to or sys.stderr
    answered = 0
    try:
        for message in messages:
            if message.strip().lower() in QUIT_WORDS:
                break
            try:
                answer = model.generate([message], **options)[0]
            except InputError as error:
                print(f"error: {error}", file=errors_to, flush=True)
                continue
            print(answer, file=answers_to, flush=True)
            answered += 1
    except KeyboardInterrupt:
        print(file=errors_to)  # leave the terminal on a new line
    return answered


def typed_messages(prompt="> "):
    """The lines of standard input, with `prompt` and line editing on a terminal; ends at end of input."""
    interactive = sys.stdin.isatty()
    while True:
        try:
            yield input(prompt if interactive else "")
        except EOFError:
            if interactive:
                print(file=sys.stderr)
            return
