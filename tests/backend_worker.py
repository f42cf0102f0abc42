"""The other side of tests/test_backends.py: loads presets, answers, trains, on the backend KERAS_BACKEND names.

    KERAS_BACKEND=jax python tests/backend_worker.py REQUEST.json   (or torch)

Keras picks its backend once per process, so the other backend's side of those tests runs
here. REQUEST.json is a list of `{"preset": folder or zoo name, "inputs": [...]}` (texts, or
a captioning model's image paths);
an item with `"pairs": [[source, target], ...]` and `"save_to": new folder` also
has its model fitted two epochs on the pairs with the compile defaults, evaluated,
saved there, and loaded back. Prints one JSON line: `{"backend", "results": [...]}`,
one `{"answers"}` per item, with `"history"`, `"evaluation"`, `"trained"` (the
answers after training) and `"reloaded"` (the greedy answers of the saved preset,
loaded back) for the items that train. Answers are `answers_of(model, inputs)`.
An item `{"recipe": file, "output": new folder}` instead trains that recipe there with
the recipe trainer (`keras_seq2seq.training.train`) and gives only its `{"history"}`.
"""

import json
import sys

import keras

import keras_seq2seq as ks


def answers_of(model, inputs):
    """Greedy and n-best beam answers (with their scores), and two draws with the same sampling seed."""
    n_best = model.generate(inputs, beam_width=3, num_return_sequences=2, length_penalty=0.6)
    return {
        "greedy": model.generate(inputs),
        "n_best": [[list(hypothesis) for hypothesis in hypotheses] for hypotheses in n_best],
        "sampled": model.generate(inputs, do_sample=True, seed=5),
        "sampled_again": model.generate(inputs, do_sample=True, seed=5),
        "sampled_other_seed": model.generate(inputs, do_sample=True, seed=6),
    }


def answer_and_train(item):
    if "recipe" in item:
        from keras_seq2seq.recipe import load_recipe
        from keras_seq2seq.training import train

        _, history = train(load_recipe(item["recipe"]), item["output"], verbose=0)
        return {"history": {name: [float(value) for value in values] for name, values in history.items()}}
    model = ks.from_preset(item["preset"])
    result = {"answers": answers_of(model, item["inputs"])}
    if "pairs" not in item:
        return result
    sources, targets = zip(*item["pairs"])
    x, y = ks.data.encode_pairs(model.tokenizer, sources, targets, model.max_source_length, model.max_target_length)
    model.compile()
    history = model.fit(x, y, batch_size=8, epochs=2, verbose=0).history
    model.save_to_preset(item["save_to"])
    result.update(
        history={name: [float(value) for value in values] for name, values in history.items()},
        evaluation={name: float(value) for name, value in model.evaluate(x, y, verbose=0, return_dict=True).items()},
        trained=answers_of(model, item["inputs"]),
        reloaded=ks.from_preset(item["save_to"]).generate(item["inputs"]),
    )
    return result


def main(request_path):
    with open(request_path, encoding="utf-8") as file:
        request = json.load(file)
    print(json.dumps({"backend": keras.backend.backend(), "results": [answer_and_train(item) for item in request]}))


if __name__ == "__main__":
    main(*sys.argv[1:])
