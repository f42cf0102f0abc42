"""SavedModels for TF Serving: string-in/string-out signatures, versioned folders, warm-up records."""

from keras_seq2seq.export.op_check import StockServingError, check_stock_serving_ops
from keras_seq2seq.export.saved_model import export, next_version

__all__ = ["StockServingError", "check_stock_serving_ops", "export", "next_version"]
