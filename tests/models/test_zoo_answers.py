"""Every zoo preset still gives the answers it gave when its weights were committed (tests/zoo_answers.json).

100 inputs of each preset's held-out split (tests/zoo_inputs.py), greedy decoding, on
TensorFlow. A change to the models, blocks or decoding that changes any answer fails
here; retraining a preset means recording the file again (`python tests/zoo_inputs.py`).
"""

import json

import pytest
from zoo_inputs import ANSWERS, ZOO_PRESETS, answer_digests, held_out_inputs

import keras_seq2seq as ks


@pytest.mark.parametrize("preset", ZOO_PRESETS)
def test_the_preset_answers_its_held_out_inputs_as_when_it_was_recorded(preset, tmp_path):
    model = ks.from_preset(preset)
    inputs = held_out_inputs(preset, model, tmp_path)
    answers = model.generate(inputs)
    recorded = json.loads(ANSWERS.read_text())[preset]
    assert len(answers) == len(recorded), "the held-out inputs changed: record the answers again"
    changed = [(text, answer) for text, answer, now, then in zip(inputs, answers, answer_digests(answers), recorded)
               if now != then]
    assert not changed, f"{len(changed)} of {len(inputs)} answers changed, e.g. {changed[:3]}"
