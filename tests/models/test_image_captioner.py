"""ImageCaptioner: the text models' decoder blocks on an image encoder, decoding, presets and the images it accepts."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_seq2seq as ks
from keras_seq2seq.data import caption_scenes, scenes
from keras_seq2seq.data.captions import captions_dataset, encode_captions
from keras_seq2seq.errors import InputError
from keras_seq2seq.layers import AttentionDecoder, Decoder, PeekyDecoder
from keras_seq2seq.text import CharTokenizer
from keras_seq2seq.text.char_tokenizer import END_ID, START_ID

# Every decoder block of the text models, by `ImageCaptioner`'s options: (decoder, options, block class).
DECODERS = {
    "plain": ("plain", {}, Decoder),
    "peeky": ("peeky", {}, PeekyDecoder),
    "attention": ("attention", {}, AttentionDecoder),
    "peeky_attention": ("attention", {"peeky": True}, AttentionDecoder),
    "stacked_peeky": ("peeky", {"num_decoder_layers": 2, "dropout": 0.2}, PeekyDecoder),
}


def tiny_captioner(decoder="attention", seed=0, **options):
    """An untrained tiny captioner over the scenes' vocabulary, with noisy weights (so answers differ)."""
    keras.utils.set_random_seed(seed)
    model = ks.ImageCaptioner(
        tokenizer=CharTokenizer(scenes.VOCABULARY), decoder=decoder, embedding_dim=6, hidden_dim=12,
        filters=(4, 6), max_target_length=12, **options,
    )
    rng = np.random.default_rng(seed)
    model.set_weights([rng.normal(0.0, 0.5, size=w.shape).astype("float32") for w in model.get_weights()])
    model.compile(jit_compile=False)
    return model


@pytest.fixture(scope="module")
def images():
    return caption_scenes(6, seed=0, split="held_out")[0]


@pytest.mark.parametrize("variant", sorted(DECODERS))
def test_each_option_uses_the_text_models_decoder_block(variant):
    decoder, options, block = DECODERS[variant]
    model = tiny_captioner(decoder, **options)
    assert type(model.decoder) is block
    assert model.decoder.get_config().items() >= {"num_layers": options.get("num_decoder_layers", 1),
                                                  "dropout": options.get("dropout", 0.0)}.items()
    assert getattr(model.decoder, "peeky", False) is options.get("peeky", False)
    x, _ = encode_captions(model.tokenizer, np.zeros((2, 32, 32, 1), np.uint8), ["a one", "two"], 12)
    logits = model({"images": x["images"].astype("float32"), "decoder_ids": x["decoder_ids"]})
    assert tuple(logits.shape) == (2, 13, model.tokenizer.vocabulary_size)


@pytest.mark.parametrize("variant", sorted(DECODERS))
def test_greedy_decoding_equals_the_argmax_of_teacher_forcing(variant, images):
    """`step` (decoding) and `call` (training) compute the same thing on the image encoder's outputs."""
    decoder, options, _ = DECODERS[variant]
    model = tiny_captioner(decoder, seed=1, **options)
    batch = images.astype("float32") / 255.0
    ids, scores = model.decode_ids(batch)
    ids = keras.ops.convert_to_numpy(ids)
    decoder_ids = np.concatenate([np.full((len(ids), 1), START_ID), ids[:, :-1]], axis=1)
    logits = keras.ops.convert_to_numpy(model({"images": batch, "decoder_ids": decoder_ids}))
    for row, row_ids in enumerate(ids):
        # Up to the end id, or to a padding id (which teacher forcing masks) that an untrained model may pick.
        stops = np.flatnonzero((row_ids == END_ID) | (row_ids == 0))
        length = int(stops[0]) + 1 if len(stops) else len(row_ids)
        np.testing.assert_array_equal(logits[row, :length].argmax(-1), row_ids[:length])
    assert len(set(model.tokenizer.decode(ids))) > 1  # the images make a difference
    beam_ids, beam_scores = model.decode_ids(batch, beam_width=3)
    assert np.all(keras.ops.convert_to_numpy(beam_scores) >= keras.ops.convert_to_numpy(scores) - 1e-4)


def test_compile_defaults_are_seq2seqs_and_fit_learns(images):
    model = tiny_captioner("peeky")
    assert model.loss.name == "masked_loss"
    scenes_images, captions = caption_scenes(64, seed=3)
    captions = [caption[:12] for caption in captions]
    dataset = captions_dataset(model.tokenizer, scenes_images, captions, 12, batch_size=16, seed=0)
    model.compile(optimizer=keras.optimizers.Adam(0.01), jit_compile=False)
    history = model.fit(dataset, epochs=3, verbose=0, shuffle=False).history
    assert {"loss", "masked_accuracy", "exact_match"} <= set(history)
    assert history["loss"][-1] < history["loss"][0]


def test_config_and_preset_round_trips_give_identical_captions(tmp_path, images):
    model = tiny_captioner("attention", score="additive", peeky=True, num_decoder_layers=2, pooling="average")
    clone = ks.ImageCaptioner.from_config(model.get_config())
    clone.set_weights(model.get_weights())
    assert clone.generate(images) == model.generate(images)
    model.save_to_preset(tmp_path / "preset")
    loaded = ks.from_preset(tmp_path / "preset")
    assert type(loaded) is ks.ImageCaptioner and loaded.decoder.score == "additive" and loaded.decoder.peeky
    assert loaded.generate(images) == model.generate(images)
    assert ks.ImageCaptioner.from_preset(tmp_path / "preset").encoder.pooling == "average"
    with pytest.raises(InputError, match="holds a ImageCaptioner, not a Seq2Seq"):
        ks.Seq2Seq.from_preset(tmp_path / "preset")


def test_images_as_paths_bytes_and_arrays_of_any_size_or_channels_agree(tmp_path, images):
    model = tiny_captioner("attention", seed=2)
    image = images[0]
    png = tf.io.encode_png(image).numpy()
    (tmp_path / "scene.png").write_bytes(png)
    forms = [
        image,  # uint8 [32, 32, 1]
        image[:, :, 0],  # [32, 32]
        image.astype("float32") / 255.0,
        np.repeat(image, 3, axis=-1),  # RGB: converted to grayscale
        np.kron(image[:, :, 0], np.ones((2, 2), np.uint8)),  # 64x64: resized to 32x32
        png,
        tmp_path / "scene.png",
        str(tmp_path / "scene.png"),
    ]
    captions = model.generate(forms)
    assert captions == [captions[0]] * len(forms)
    assert model.generate(images) == model.generate(list(images))


@pytest.mark.parametrize(
    "bad, named",
    [
        (["missing.png"], "no image file missing.png"),
        ([b"not an image"], "image 0 is not a readable image"),
        ([np.zeros((4, 4, 2), np.uint8)], r"image 0 has shape \(4, 4, 2\)"),
        ([np.zeros((4,), np.uint8)], r"image 0 has shape \(4,\)"),
        ([np.full((4, 4), 2.0)], "float values outside 0..1"),
        ([np.full((4, 4), 300)], "integer values outside 0..255"),
        (np.full((2, 32, 32, 1), -0.5, np.float32), "images has float values outside 0..1"),
        ("scene.png", "not a single one"),
    ],
)
def test_bad_images_are_input_errors_naming_them(bad, named):
    with pytest.raises(InputError, match=named):
        tiny_captioner().generate(bad)


def test_bad_options():
    with pytest.raises(InputError, match="decoder must be one of 'plain', 'peeky', 'attention'"):
        tiny_captioner("transformer")
    with pytest.raises(InputError, match="peeky=True needs the 'peeky' or 'attention' decoder"):
        tiny_captioner("plain", peeky=True)
    with pytest.raises(InputError, match="beam_width must be at least 1"):
        tiny_captioner().generate([np.zeros((32, 32), np.uint8)], beam_width=0)


def test_the_declared_input_kind_says_what_the_model_reads():
    # Export and the CLI choose their signature and data by `input_kind`, not by the model's class.
    assert tiny_captioner().input_kind == "images"
    assert ks.from_preset("addition").input_kind == "text"
