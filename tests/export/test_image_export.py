"""Export of an ImageCaptioner: encoded image bytes in, captions out, decoding and resizing in the graph."""

import io

import numpy as np
import pytest
import tensorflow as tf
from tensorflow_serving.apis import prediction_log_pb2

import keras
import keras_seq2seq as ks
from keras_seq2seq.data import caption_scenes, scenes
from keras_seq2seq.images import decode_images
from keras_seq2seq.export import export
from keras_seq2seq.export.op_check import forbidden_ops
from keras_seq2seq.text import CharTokenizer


@pytest.fixture(scope="module")
def model():
    keras.utils.set_random_seed(0)
    model = ks.ImageCaptioner(
        tokenizer=CharTokenizer(scenes.VOCABULARY), decoder="attention", embedding_dim=6, hidden_dim=12,
        filters=(4, 6), max_target_length=12,
    )
    rng = np.random.default_rng(0)
    model.set_weights([rng.normal(0.0, 0.5, size=w.shape).astype("float32") for w in model.get_weights()])
    return model


@pytest.fixture(scope="module")
def exported(model, tmp_path_factory):
    path = export(model, tmp_path_factory.mktemp("models") / "captioning")
    return path, tf.saved_model.load(str(path)).signatures["serving_default"]


@pytest.fixture(scope="module")
def pngs():
    images, _ = caption_scenes(4, seed=0, split="held_out")
    return [tf.io.encode_png(image).numpy() for image in images]


def test_signature_takes_image_bytes_and_returns_captions_and_scores(exported):
    path, signature = exported
    (_, inputs) = signature.structured_input_signature
    assert list(inputs) == ["image_bytes"]
    assert inputs["image_bytes"].dtype == tf.string and inputs["image_bytes"].shape.as_list() == [None]
    assert signature.structured_outputs["output"].dtype == tf.string
    assert signature.structured_outputs["score"].dtype == tf.float32
    assert forbidden_ops(path) == []  # stock TF Serving can run it


def test_exported_graph_answers_like_generate(model, exported, pngs):
    _, signature = exported
    answer = signature(image_bytes=tf.constant(pngs))
    assert [text.decode() for text in answer["output"].numpy()] == model.generate(pngs)
    assert np.all(answer["score"].numpy() <= 0)


def test_other_sizes_channels_and_formats_are_converted_in_the_graph(model, exported, pngs):
    _, signature = exported
    image = tf.io.decode_png(pngs[0]).numpy()
    bigger = np.kron(image, np.ones((2, 2, 1), np.uint8))  # 64x64: resizing gives the 32x32 image back
    rgb = np.repeat(image, 3, axis=-1)
    variants = [tf.io.encode_png(bigger).numpy(), tf.io.encode_png(rgb).numpy(), tf.io.encode_jpeg(rgb).numpy()]
    outputs = [text.decode() for text in signature(image_bytes=tf.constant([pngs[0], *variants]))["output"].numpy()]
    assert outputs[1] == outputs[0]
    assert outputs[2:] == model.generate(variants[1:])  # decoded as generate decodes them
    decoded = decode_images(tf.constant([pngs[0], *variants]), model.image_size, model.channels).numpy()
    assert decoded.shape == (4, 32, 32, 1)
    np.testing.assert_allclose(decoded[1], decoded[0], atol=1e-6)
    np.testing.assert_allclose(decoded[2], decoded[0], atol=1.5 / 255)  # RGB to gray rounds
    assert np.abs(decoded[3] - decoded[0]).mean() < 0.05  # JPEG is lossy


def _encoded(image, image_format, mode):
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(image[:, :, 0]).convert(mode).save(buffer, image_format)
    return buffer.getvalue()


@pytest.mark.parametrize("image_format, mode", [("GIF", "L"), ("GIF", "RGB"), ("BMP", "L"), ("BMP", "RGB")])
def test_gif_and_bmp_are_read_by_a_one_channel_model(model, exported, pngs, image_format, mode):
    _, signature = exported
    image = tf.io.decode_png(pngs[0]).numpy()
    outputs = signature(image_bytes=tf.constant([pngs[0], _encoded(image, image_format, mode)]))["output"].numpy()
    assert outputs[1] == outputs[0]


@pytest.mark.parametrize(
    "bad, named",
    [
        (b"not an image", "input 1 is not a PNG, JPEG, GIF or BMP image"),
        (b"", "input 1 is empty: give PNG, JPEG, GIF or BMP bytes"),
        ("huge", "input 1 is a 16000x16000 image; this model takes at most 16777216 pixels"),
    ],
)
def test_bytes_that_are_not_an_image_are_invalid_argument(exported, pngs, bad, named):
    _, signature = exported
    if bad == "huge":  # 249 kB of PNG, 256 MB once decoded: refused from its header
        bad = _encoded(np.zeros((16000, 16000, 1), np.uint8), "PNG", "L")
    with pytest.raises(tf.errors.InvalidArgumentError, match=f"assertion failed: \\[{named}"):
        signature(image_bytes=tf.constant([pngs[0], bad]))


def test_image_sizes_are_read_from_the_headers(pngs):
    from keras_seq2seq.export.image_signature import header_sizes

    image = np.zeros((7, 5, 1), np.uint8)
    encoded = [_encoded(image, image_format, "L") for image_format in ("PNG", "GIF", "BMP", "JPEG")]
    height, width, known = header_sizes(tf.constant(encoded + [b"x"]))
    assert height.numpy().tolist() == [7, 7, 7, 7, 0] and width.numpy().tolist() == [5, 5, 5, 5, 0]
    assert known.numpy().tolist() == [True, True, True, True, False]


def test_warmup_records_hold_real_encoded_images(exported):
    path, signature = exported
    records = tf.data.TFRecordDataset(str(path / "assets.extra" / "tf_serving_warmup_requests"))
    requests = [prediction_log_pb2.PredictionLog.FromString(r.numpy()).predict_log.request for r in records]
    assert requests and all(r.model_spec.name == "captioning" for r in requests)
    for request in requests:
        images = tf.make_ndarray(request.inputs["image_bytes"])
        assert all(tf.io.decode_image(image).shape[-1] == 1 for image in images)
        assert len(signature(image_bytes=tf.constant(images))["output"].numpy()) == len(images)
