"""The image encoder block: a CNN whose feature map gives the decoder's initial state and attention positions."""

import keras
from keras import ops

from keras_seq2seq.errors import InputError

POOLINGS = ("flatten", "average")


@keras.saving.register_keras_serializable(package="keras_seq2seq")
class ImageEncoder(keras.layers.Layer):
    """Reads images `[batch, height, width, channels]` (floats in 0..1); returns `(positions, [h, c])`.

    The CNN is a stack of `Conv2D(3x3, relu)` + `MaxPooling2D(2)` blocks, one per
    entry of `filters`, or a `keras.applications` model named by `backbone`
    (`"MobileNetV2"`, `"ResNet50"`, ...: no top, random weights, or the local
    weights file `backbone_weights`; no download). Its feature map
    `[batch, rows, columns, features]` is used twice:

    - pooled (`pooling="flatten"` keeps where things are, `"average"` does not)
      and passed through two affine (`Dense`) layers to the decoder's state
      `h = tanh(W_h x + b_h)`, `c = W_c x + b_c`, each of `hidden_dim` units;
    - as the encoder's sequence output: the `rows * columns` positions, each a
      `features`-vector (plus a learned embedding of its position when
      `position_embedding=True`), for an `AttentionDecoder` to attend over (all
      positions are real: no mask).

    Example:
    >>> encoder = ImageEncoder(hidden_dim=32, image_size=(32, 32), channels=1, filters=(8, 16))
    >>> positions, (h, c) = encoder(keras.ops.zeros((2, 32, 32, 1)))
    >>> tuple(positions.shape), tuple(h.shape), tuple(c.shape)
    ((2, 64, 16), (2, 32), (2, 32))
    """

    def __init__(
        self,
        hidden_dim,
        image_size=(32, 32),
        channels=1,
        filters=(32, 64, 128),
        backbone=None,
        backbone_weights=None,
        pooling="flatten",
        position_embedding=True,
        **kwargs,
    ):
        super().__init__(**kwargs)
        dtype = self.dtype_policy  # the sublayers compute under this block's policy, a mixed one too
        if pooling not in POOLINGS:
            raise ValueError(f"pooling must be one of {', '.join(map(repr, POOLINGS))}, got {pooling!r}")
        self.hidden_dim = hidden_dim
        self.image_size = tuple(image_size)
        self.channels = channels
        self.filters = tuple(filters)
        self.backbone_name = backbone
        self.backbone_weights = backbone_weights
        self.pooling = pooling
        self.use_position_embedding = position_embedding
        if backbone is None:
            self.cnn = [
                layer
                for index, width in enumerate(self.filters)
                for layer in (
                    keras.layers.Conv2D(
                        width, 3, padding="same", activation="relu", dtype=dtype, name=f"conv_{index}"
                    ),
                    keras.layers.MaxPooling2D(2, dtype=dtype, name=f"pool_{index}"),
                )
            ]
        else:  # a `keras.applications` model takes no dtype: it follows Keras' global policy
            self.cnn = [_application(backbone, backbone_weights, (*self.image_size, channels))]
        self.initial_h = keras.layers.Dense(hidden_dim, activation="tanh", dtype=dtype, name="initial_h")
        self.initial_c = keras.layers.Dense(hidden_dim, dtype=dtype, name="initial_c")

    def build(self, images_shape):
        # As in TextEncoder.build: explicit builds give every variable a unique TensorFlow name.
        shape = (None, *self.image_size, self.channels)
        for layer in self.cnn:
            layer.build(shape)
            shape = layer.compute_output_shape(shape)
        _, rows, columns, features = shape
        self.feature_map_shape = (rows, columns, features)
        self.position_embedding = None
        if self.use_position_embedding:
            self.position_embedding = self.add_weight(
                shape=(rows * columns, features), initializer="zeros", name="position_embedding"
            )
        pooled = rows * columns * features if self.pooling == "flatten" else features
        self.initial_h.build((None, pooled))
        self.initial_c.build((None, pooled))

    def call(self, images):
        x = images
        for layer in self.cnn:
            x = layer(x)
        rows, columns, features = self.feature_map_shape
        positions = ops.reshape(x, (-1, rows * columns, features))
        if self.pooling == "flatten":
            pooled = ops.reshape(x, (-1, rows * columns * features))
        else:
            pooled = ops.mean(positions, axis=1)
        if self.position_embedding is not None:
            positions = positions + self.position_embedding[None]
        return positions, [self.initial_h(pooled), self.initial_c(pooled)]

    def compute_mask(self, images, mask=None):
        # As `TextEncoder.compute_mask` answers, so that `encode()` treats both encoders alike:
        # every position of the feature map is real, so there is no mask.
        return None, [None, None]

    def compute_output_shape(self, images_shape):
        rows, columns, features = self.feature_map_shape
        batch = images_shape[0]
        return (batch, rows * columns, features), [(batch, self.hidden_dim), (batch, self.hidden_dim)]

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "hidden_dim": self.hidden_dim,
                "image_size": list(self.image_size),
                "channels": self.channels,
                "filters": list(self.filters),
                "backbone": self.backbone_name,
                "backbone_weights": self.backbone_weights,
                "pooling": self.pooling,
                "position_embedding": self.use_position_embedding,
            }
        )
        return config


def _application(name, weights, input_shape):
    """A `keras.applications` model without its top: random weights, or a local weights file."""
    constructor = getattr(keras.applications, name, None)
    if not callable(constructor):
        raise InputError(f"no keras.applications model named {name!r} (e.g. 'MobileNetV2', 'ResNet50')")
    if weights is not None and not str(weights).endswith(".h5") and not str(weights).endswith(".keras"):
        raise InputError(f"backbone_weights must be a local .h5 weights file or None, got {weights!r}")
    try:
        return constructor(include_top=False, weights=weights, input_shape=input_shape)
    except (ValueError, OSError) as error:
        raise InputError(f"cannot build the {name} backbone for images {input_shape}: {error}") from None
