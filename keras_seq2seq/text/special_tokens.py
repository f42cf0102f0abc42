"""The special ids every tokenizer of this library shares: padding 0, unknown 1, start 2, end 3.

Models and exported graphs use these ids whatever the tokenizer, so that a model
never needs to know which tokenizer it was given.

Example:
>>> SPECIAL_TOKENS[START_ID], SPECIAL_TOKENS[END_ID]
('[START]', '[END]')
"""

PAD_ID, UNKNOWN_ID, START_ID, END_ID = 0, 1, 2, 3
SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[START]", "[END]"]

__all__ = ["END_ID", "PAD_ID", "SPECIAL_TOKENS", "START_ID", "UNKNOWN_ID"]
