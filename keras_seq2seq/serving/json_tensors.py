"""TF Serving's JSON for tensors (its `util/json_tensor.cc`): predict requests in, predictions out.

Requests come in row ("instances") or columnar ("inputs") format, strings as
JSON strings or `{"b64": ...}`; answers are `{"predictions": ...}` or
`{"outputs": ...}` accordingly, floats written as TF Serving writes them. Every
problem is an INVALID_ARGUMENT `ServerError` with json_tensor.cc's message.
"""

import base64
import binascii
import json
import math

import numpy as np
import tensorflow as tf

from keras_seq2seq.serving.errors import ServerError, invalid_argument
from keras_seq2seq.serving.limits import RequestLimits

MAX_RANK = 64
ERROR_VALUE_CHARS = 200


def parse_json(body, limits=RequestLimits()):
    """The request object; INVALID_ARGUMENT "JSON Parse error: ..." as TF Serving's rapidjson parse gives it.

    Arrays and objects nested deeper than `limits.max_json_depth` are refused.
    """
    if not body:
        raise invalid_argument("JSON Parse error: The document is empty")
    # Raw bytes that are not UTF-8 pass through to the model (as with rapidjson) instead of failing here.
    text = body.decode("utf-8", "surrogateescape")
    too_deep = (
        f"JSON Parse error: arrays and objects nest deeper than {limits.max_json_depth} levels (--max_json_depth)"
    )
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise invalid_argument(f"JSON Parse error: {error.msg} at offset: {error.pos}") from None
    except RecursionError:  # deeper than Python's recursion limit (about 1000)
        raise invalid_argument(too_deep) from None
    if _depth_exceeds(document, limits.max_json_depth):
        raise invalid_argument(too_deep)
    if not isinstance(document, dict):
        raise format_error(document, "Is not object")
    return document


def _depth_exceeds(document, limit):
    """Whether arrays and objects nest more than `limit` deep (level by level, without recursion)."""
    level, containers = 0, [document] if isinstance(document, (list, dict)) else []
    while containers:
        level += 1
        if level > limit:
            return True
        containers = [
            child
            for container in containers
            for child in (container.values() if isinstance(container, dict) else container)
            if isinstance(child, (list, dict))
        ]
    return False


def request_inputs(document, infos, limits=RequestLimits()):
    """`({alias: numpy array}, row_format)` from the "instances" or "inputs" of a predict request.

    Each input's element count and each string's length are checked against `limits` before the arrays are built.
    """
    if "instances" in document and "inputs" in document:
        raise format_error(
            document, "Not formatted correctly expecting only one of 'inputs' or 'instances' keys to exist "
        )
    if "instances" in document:
        instances = document["instances"]
        if not isinstance(instances, list):
            raise format_error(document, "Excepting 'instances' to be an list/array")
        if not instances:
            raise format_error(document, "No values in 'instances' array")
        limits.check_elements(sorted(infos)[0] if len(infos) == 1 else "instances", len(instances))
        return _from_instances(instances, infos, limits), True
    if "inputs" in document:
        return _from_inputs(document["inputs"], infos, limits), False
    raise invalid_argument("Missing 'inputs' or 'instances' key")


def _from_instances(instances, infos, limits):
    names = sorted(infos)
    if not isinstance(instances[0], dict) and len(names) > 1:
        raise invalid_argument(
            "instances is a plain list, but expecting list of objects as multiple input tensors "
            "required as per tensorinfo_map"
        )
    objects = _is_element_object(instances[0])
    values, shapes = {}, {}

    def add(item, name):
        if name not in infos:
            raise invalid_argument(f"JSON object: does not have named input: {name}")
        shape, flat = _flatten(item, infos[name].dtype, limits, name)
        if name not in shapes:
            shapes[name] = shape
        elif math.prod(shapes[name]) != math.prod(shape):
            raise invalid_argument(f"Expecting tensor size: {math.prod(shapes[name])} but got: {math.prod(shape)}")
        elif shapes[name] != shape:
            raise invalid_argument(f"Expecting shape {_shape(shapes[name])} but got: {_shape(shape)}")
        values.setdefault(name, []).extend(flat)
        limits.check_elements(name, len(values[name]))

    for index, element in enumerate(instances):
        if objects:
            if not _is_element_object(element):
                raise invalid_argument(f"Expecting object but got list at item {index} of input list")
            for key, item in element.items():
                try:
                    add(item, key)
                except ServerError as error:
                    raise invalid_argument(
                        f"Failed to process element: {index} key: {key} of 'instances' list. "
                        f"Error: INVALID_ARGUMENT: {error.message}"
                    ) from None
            if set(element) != set(names):
                raise invalid_argument(
                    f"Failed to process element: {index} of 'instances' list. JSON object: {_json_value(element)} "
                    f"keys must be equal to: {','.join(names)}"
                )
        else:
            if _is_element_object(element):
                raise invalid_argument(f"Expecting value/list but got object at item {index} of input list")
            try:
                add(element, names[0])
            except ServerError as error:
                raise invalid_argument(
                    f"Failed to process element: {index} of 'instances' list. Error: INVALID_ARGUMENT: {error.message}"
                ) from None
    return {
        name: _array(values[name], infos[name].dtype, [len(instances), *shapes[name]]) for name in values
    }


def _from_inputs(value, infos, limits):
    names = sorted(infos)
    if not isinstance(value, dict) or _is_base64(value):
        if len(names) > 1:
            raise invalid_argument(
                "inputs is a plain value/list, but expecting an object as multiple input tensors "
                "required as per tensorinfo_map"
            )
        shape, flat = _flatten(value, infos[names[0]].dtype, limits, names[0])
        return {names[0]: _array(flat, infos[names[0]].dtype, shape)}
    arrays = {}
    for name in names:
        if name not in value:
            raise invalid_argument(f"Missing named input: {name} in 'inputs' object.")
        shape, flat = _flatten(value[name], infos[name].dtype, limits, name)
        arrays[name] = _array(flat, infos[name].dtype, shape)
    return arrays


def _flatten(value, dtype, limits, name):
    """`(shape, flat values)` of input `name`, a nested JSON list checked to be dense, of `dtype`, within `limits`."""
    shape, probe = [], value
    while isinstance(probe, list):
        shape.append(len(probe))
        if len(shape) > MAX_RANK:
            raise invalid_argument(f"JSON Value nests lists deeper than {MAX_RANK} levels")
        if not probe:
            break
        probe = probe[0]
    limits.check_elements(name, math.prod(shape))
    flat = []
    pending = [(value, 0)]
    while pending:  # depth first, left to right, without recursion
        item, level = pending.pop()
        if not isinstance(item, list):
            if level != len(shape):
                raise invalid_argument(
                    f"JSON Value: {_json_value(item)} found at incorrect level: {level + 1} in the JSON DOM. "
                    f"Expected at level: {len(shape)}"
                )
            flat.append(_scalar(item, dtype, limits, name))
            continue
        if level >= len(shape):
            raise invalid_argument(f"Encountered list at unexpected level: {level} expected < {len(shape)}")
        if len(item) != shape[level]:
            raise invalid_argument(
                f"Encountered list at unexpected size: {len(item)} at level: {level} expected size: {shape[level]}"
            )
        pending.extend((child, level + 1) for child in reversed(item))
    return shape, flat


def _scalar(value, dtype, limits, name):
    """One JSON value as a value of `dtype`, with json_tensor.cc's checks and messages; strings within `limits`."""
    dtype = tf.dtypes.as_dtype(dtype)
    if isinstance(value, dict):
        if dtype != tf.string:
            raise _type_error(value, dtype)
        if not _is_base64(value):
            raise invalid_argument(f"JSON Value: {_json_value(value)} not formatted correctly for base64 data")
        text = value["b64"].strip()
        limits.check_string(name, len(text) * 3 // 4)  # the decoded length, give or take padding
        try:
            return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
        except (binascii.Error, ValueError):
            raise invalid_argument("Unable to base64 decode") from None
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if dtype == tf.string:
        if not isinstance(value, str):
            raise _type_error(value, dtype)
        limits.check_string(name, len(value))  # UTF-8 has at least a byte per character: checked before encoding
        try:
            encoded = value.encode("utf-8", "surrogateescape")
        except UnicodeEncodeError:  # lone surrogates from \uXXXX escapes: bytes the model will refuse
            encoded = value.encode("utf-8", "surrogatepass")
        limits.check_string(name, len(encoded))
        return encoded
    if dtype in (tf.float32, tf.float64):
        if not number:
            raise _type_error(value, dtype)
        limit = np.finfo(dtype.as_numpy_dtype)
        if isinstance(value, int):
            lossy = abs(value) > 2 ** (limit.nmant + 1) - 1
        else:
            lossy = math.isfinite(value) and abs(value) > limit.max
        if lossy:
            raise invalid_argument(
                f"Cannot convert JSON value: {_json_value(value)} to {_DTYPE_NAMES[dtype]} without loss of precision."
            )
        return value
    if dtype == tf.bool:
        if not isinstance(value, bool):
            raise _type_error(value, dtype)
        return value
    if dtype.is_integer:
        if not (isinstance(value, int) and not isinstance(value, bool)):
            raise _type_error(value, dtype)
        if not dtype.min <= value <= dtype.max:
            raise _type_error(value, dtype)
        return value
    raise ServerError("UNIMPLEMENTED", f"Conversion of JSON Value: {_json_value(value)} to type: {_dtype_name(dtype)}")


def _array(flat, dtype, shape):
    dtype = tf.dtypes.as_dtype(dtype)
    numpy_dtype = object if dtype == tf.string else dtype.as_numpy_dtype
    array = np.empty(len(flat), dtype=numpy_dtype)
    array[:] = flat
    return array.reshape(shape)


def predictions_json(outputs, row_format):
    """`{"predictions": [...]}` (row format) or `{"outputs": ...}` (columnar), as TF Serving writes them."""
    names = sorted(outputs)
    if not names:
        raise invalid_argument("Cannot convert empty tensor map to JSON")
    if not row_format:
        if len(names) == 1:
            return '{"outputs": ' + _values_json(outputs[names[0]], names[0]) + "}"
        columns = ", ".join(f"{json.dumps(name)}: {_values_json(outputs[name], name)}" for name in names)
        return '{"outputs": {' + columns + "}}"
    batch = None
    for name in names:
        if np.ndim(outputs[name]) == 0:
            raise invalid_argument(f"Tensor name: {name} has no shape information ")
        if batch is not None and len(outputs[name]) != batch:
            raise invalid_argument(
                f"Tensor name: {name} has inconsistent batch size: {len(outputs[name])} expecting: {batch}"
            )
        batch = len(outputs[name])
    rows = []
    for row in range(batch):
        if len(names) == 1:
            rows.append(_values_json(outputs[names[0]][row], names[0]))
        else:
            fields = (f"{json.dumps(name)}: {_values_json(outputs[name][row], name)}" for name in names)
            rows.append("{" + ", ".join(fields) + "}")
    return '{"predictions": [' + ", ".join(rows) + "]}"


def _values_json(value, name):
    if np.ndim(value) > 0:
        return "[" + ", ".join(_values_json(item, name) for item in value) + "]"
    value = value.item() if isinstance(value, np.ndarray) else value
    if isinstance(value, bytes):
        if name.endswith("_bytes"):
            return json.dumps({"b64": base64.b64encode(value).decode("ascii")})
        return json.dumps(value.decode("utf-8", "replace"), ensure_ascii=False)
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, (np.floating, float)):
        return _decimal(value)
    return str(int(value))


def _decimal(value):
    """A float as TF Serving writes it: shortest of %g and full precision that reads back the same, NaN/Infinity."""
    number = float(value)
    if math.isnan(number):
        return "NaN"
    if math.isinf(number):
        return "Infinity" if number > 0 else "-Infinity"
    kind = type(value) if isinstance(value, np.floating) else np.float64
    text = f"{number:g}"
    if kind(float(text)) != kind(number):
        text = f"{number:.{9 if kind == np.float32 else 17}g}"
    if "." not in text and "e" not in text:
        text += ".0"
    return text


def _is_base64(value):
    return isinstance(value, dict) and len(value) == 1 and isinstance(value.get("b64"), str)


def _is_element_object(value):
    return isinstance(value, dict) and not _is_base64(value)


def _json_value(value):
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    if len(text) > ERROR_VALUE_CHARS:
        text = text[:ERROR_VALUE_CHARS] + f"... ({len(text)} characters)"
    return text


def _json_type(value):
    if value is None:
        return "Null"
    if isinstance(value, bool):
        return "True" if value else "False"
    return {dict: "Object", list: "Array", str: "String"}.get(type(value), "Number")


_DTYPE_NAMES = {tf.float32: "float", tf.float64: "double", tf.string: "string"}


def _dtype_name(dtype):
    return _DTYPE_NAMES.get(dtype, dtype.name)


def _type_error(value, dtype):
    return invalid_argument(
        f"JSON Value: {_json_value(value)} Type: {_json_type(value)} is not of expected type: {_dtype_name(dtype)}"
    )


def format_error(document, what):
    return invalid_argument(f"JSON Value: {_json_value(document)} {what}")


def _shape(shape):
    return "[" + ",".join(str(size) for size in shape) + "]"
