"""What the REST and gRPC clients share: `predict` on top of each one's `predict_with_scores`, and `with`."""


class Client:
    """Base of `RestClient` and `GrpcClient`; subclasses implement `predict_with_scores` and `close`."""

    def predict(self, texts, version=None):
        """The decoded answer to each text (a str, or a list of str or bytes)."""
        return [answer for answer, _ in self.predict_with_scores(texts, version)]

    def predict_with_scores(self, texts, version=None):
        """`[(answer, score), ...]`: each answer with its score (None if the model gives none)."""
        raise NotImplementedError

    def close(self):
        """Closes the connection(s) to the server."""
        raise NotImplementedError

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    @staticmethod
    def as_texts(texts):
        """A list of texts from one text or an iterable of them."""
        return [texts] if isinstance(texts, (str, bytes)) else list(texts)
