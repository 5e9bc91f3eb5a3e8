"""What the engine offers, as plain data: layer types, activations, losses, optimizers, initializers.

Every other room reads this table instead of hard-coding names: the palette and property panels are built
from it, the project validator checks parameters against it, the graph infers shapes with it. The engine
classes that *compute* live in their own modules; this file only describes.

A parameter spec says type, default, range and choices; `coerce` turns a user's value into the canonical one
or raises `ParamError` with a sentence such as `must be a positive integer, got "many"`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from designer.errors import ParamError, ShapeError

# Hard limits: refuse absurd sizes before anything is allocated (a hostile or mistyped file must not
# exhaust memory). Generous for a desktop: 65 536 units is a 256 MiB kernel at 1 024 inputs in float32.
MAX_UNITS = 65_536
MAX_FILTERS = 4_096
MAX_KERNEL = 64
MAX_DIM = 16_384
MAX_TENSOR_ELEMENTS = 50_000_000  # per sample
MAX_TOTAL_PARAMS = 200_000_000

Shape = tuple[int, ...]


def _describe(value: Any) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, bool):  # the word the user wrote in the project file (JSON), not Python's
        return "true" if value else "false"
    return repr(value)


@dataclass(frozen=True)
class ParamSpec:
    """One parameter of a layer/loss/optimizer.

    kind: "int", "float", "bool", "choice", "int_or_pair" (kernel sizes), "shape" (list of positive ints),
    "activation" (a choice among ACTIVATIONS), "initializer" (a choice among INITIALIZERS).
    """

    name: str
    kind: str
    default: Any = None
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()
    doc: str = ""
    required: bool = False
    # `minimum` is exclusive when True (learning rate > 0, dropout rate < 1 …)
    exclusive_min: bool = False
    exclusive_max: bool = False

    def all_choices(self) -> tuple[str, ...]:
        if self.kind == "activation":
            return tuple(ACTIVATIONS)
        if self.kind == "initializer":
            return tuple(INITIALIZERS)
        return self.choices

    def coerce(self, value: Any) -> Any:
        """Return the canonical value, or raise ParamError(message) (the caller adds the place)."""
        k = self.kind
        if k in ("int", "int_or_pair"):
            if k == "int_or_pair" and isinstance(value, (list, tuple)):
                if len(value) != 2:
                    raise ParamError(f"must be an integer or a pair of integers, got {_describe(value)}")
                pair = [self._coerce_int(v) for v in value]
                return pair if pair[0] != pair[1] else pair[0]
            return self._coerce_int(value)
        if k == "float":
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ParamError(f"must be a number, got {_describe(value)}")
            v = float(value)
            if not math.isfinite(v):
                raise ParamError(f"must be a finite number, got {_describe(value)}")
            self._check_range(v)
            return v
        if k == "bool":
            if not isinstance(value, bool):
                raise ParamError(f"must be true or false, got {_describe(value)}")
            return value
        if k in ("choice", "activation", "initializer"):
            choices = self.all_choices()
            if not isinstance(value, str) or value not in choices:
                raise ParamError(f"must be one of {', '.join(choices)}, got {_describe(value)}")
            return value
        if k == "shape":
            if not isinstance(value, (list, tuple)) or not value:
                raise ParamError(f"must be a non-empty list of positive integers, got {_describe(value)}")
            dims = []
            for d in value:
                if isinstance(d, bool) or not isinstance(d, int) or d < 1 or d > MAX_DIM:
                    raise ParamError(
                        f"must be a list of integers from 1 to {MAX_DIM}, got {_describe(list(value))}"
                    )
                dims.append(int(d))
            if math.prod(dims) > MAX_TENSOR_ELEMENTS:
                raise ParamError(f"has {math.prod(dims)} elements per sample; the limit is {MAX_TENSOR_ELEMENTS}")
            return dims
        raise AssertionError(f"unknown parameter kind {k}")

    def _coerce_int(self, value: Any) -> int:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            word = "a positive integer" if (self.minimum or 0) >= 1 else "an integer"
            raise ParamError(f"must be {word}, got {_describe(value)}")
        self._check_range(value)
        return int(value)

    def _check_range(self, v: float) -> None:
        lo, hi = self.minimum, self.maximum
        low_bad = lo is not None and (v <= lo if self.exclusive_min else v < lo)
        high_bad = hi is not None and (v >= hi if self.exclusive_max else v > hi)
        if low_bad or high_bad:
            if self.kind == "int" and lo == 1 and hi is not None and low_bad:
                raise ParamError(f"must be a positive integer, got {_describe(v)}")
            lo_s = "" if lo is None else (f"> {lo:g}" if self.exclusive_min else f">= {lo:g}")
            hi_s = "" if hi is None else (f"< {hi:g}" if self.exclusive_max else f"<= {hi:g}")
            rng = " and ".join(s for s in (lo_s, hi_s) if s)
            raise ParamError(f"must be {rng}, got {_describe(v)}")


WeightShapes = Callable[[dict, "Shape | None"], dict[str, "Shape | None"]]


@dataclass(frozen=True)
class LayerType:
    """Everything the program knows about one layer type, in one place: what the palette shows, the rules
    the graph enforces, the arrays it owns, its default name and the engine class that computes it.

    - `output_shape(params, input_shapes)`: the shape rule (ShapeError with the reason when it does not fit).
    - `weights(params, input_shape)`: name → shape of each array the layer owns (a shape is None while the
      input shape is unknown). One function serves the engine's expectations, project files (which arrays
      to keep), the export plan, the summary and the parameter counts. `frozen` names the arrays that are
      counted but not trained (BatchNormalization's moving statistics).
    - `engine`: the engine Layer class, or "module:Class" imported when a network first uses the type.
    - `prefix`: default node names (`dense` → dense_1); `initial`: what a new node starts with beyond the
      spec's defaults (a Dense layer's 16 units).
    - `elementwise`: each output unit depends only on the same input unit (the neurons view draws through it).
    - `neurons`: the neurons view draws the layer's units as a column of circles (Input, Dense).
    - `torch`: its op in the PyTorch engine, "module:function" (see designer.torch_backend.layers); a type
      without one trains on the NumPy engine only.
    - `imports`: format ("keras", "onnx") → "module:function" reading that format's layer or operator of the
      type's own name into (params, weights) (see designer.importers.layers).
    - `role`: what the type is for, where another module needs "a layer that does X" without naming one
      ("normalization": the one the residual template and the overfitting lab insert).
    - `concept`: (title, text, where) of its entry in the concepts glossary; `aliases` the words that find it;
      `see_also` the concepts it links to.
    """

    name: str
    category: str  # "Core", "Regularization", "Convolution", "Merge"
    description: str
    params: tuple[ParamSpec, ...] = ()
    min_inputs: int = 1
    max_inputs: int | None = 1  # None: any number (merge layers)
    icon: str = ""  # file name under resources/icons
    output_shape: Callable[[dict, list[Shape]], Shape] | None = field(default=None, compare=False)
    weights: WeightShapes | None = field(default=None, compare=False)
    frozen: tuple[str, ...] = ()
    engine: Any = field(default="", compare=False)
    prefix: str = ""
    initial: dict = field(default_factory=dict, compare=False)
    elementwise: bool = False
    neurons: bool = False
    torch: Any = field(default="", compare=False)
    imports: dict = field(default_factory=dict, compare=False)
    role: str = ""
    concept: tuple[str, str, str] | None = None
    aliases: tuple[str, ...] = ()
    see_also: tuple[str, ...] = ()

    def default_prefix(self) -> str:
        return self.prefix or self.name.lower()

    def weight_shapes(self, params: dict, input_shape: Shape | None) -> dict[str, Shape | None]:
        return dict(self.weights(params, input_shape)) if self.weights is not None else {}

    def param_count(self, params: dict, input_shapes: list[Shape]) -> int:
        """Every array's size (trainable or not), as Keras counts them."""
        shapes = self.weight_shapes(params, input_shapes[0] if input_shapes else None)
        return sum(math.prod(s) for s in shapes.values() if s is not None)

    def frozen_count(self, params: dict, input_shapes: list[Shape]) -> int:
        shapes = self.weight_shapes(params, input_shapes[0] if input_shapes else None)
        return sum(math.prod(s) for n, s in shapes.items() if n in self.frozen and s is not None)

    def spec(self, name: str) -> ParamSpec:
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(name)

    def defaults(self) -> dict:
        return {p.name: p.default for p in self.params if p.default is not None}

    def coerce_params(self, params: dict, where: str = "params") -> dict:
        """Validate and complete `params`; an unknown key is refused (a typo must not pass for a setting).

        Raises ParamError with `where.<name>` as the place.
        """
        if not isinstance(params, dict):
            raise ParamError(f"must be an object, got {_describe(params)}", where)
        refuse_unknown(params, [p.name for p in self.params] + ["activation_params"], where, self.name)
        out = dict(params)
        for p in self.params:
            if p.name in params and params[p.name] is not None:
                try:
                    out[p.name] = p.coerce(params[p.name])
                except ParamError as err:
                    raise ParamError(err.message, f"{where}.{p.name}") from None
            elif p.required:
                raise ParamError("is required", f"{where}.{p.name}")
            elif p.default is not None:
                out[p.name] = p.default
        if "activation_params" in out:
            out["activation_params"] = coerce_activation_params(
                out.get("activation", "linear"), out["activation_params"], f"{where}.activation_params"
            )
        return out


# --------------------------------------------------------------------------------------------------------
# Activations, initializers, losses, optimizers


@dataclass(frozen=True)
class Choice:
    """A named choice with its own parameters (an activation, loss, optimizer or initializer)."""

    name: str
    label: str
    description: str
    params: tuple[ParamSpec, ...] = ()


ACTIVATIONS: dict[str, Choice] = {
    c.name: c
    for c in (
        Choice("linear", "Linear", "Passes values through unchanged: f(x) = x."),
        Choice("sigmoid", "Sigmoid", "Squashes to (0, 1): 1 / (1 + e^-x). Saturates for large |x|."),
        Choice("tanh", "Tanh", "Squashes to (-1, 1), centred on zero. Saturates for large |x|."),
        Choice("relu", "ReLU", "max(0, x): cheap and does not saturate for x > 0; units can 'die' at 0."),
        Choice(
            "leaky_relu",
            "Leaky ReLU",
            "x for x > 0, slope·x otherwise: a ReLU whose units cannot die.",
            (ParamSpec("negative_slope", "float", 0.01, 0.0, 1.0, doc="slope for x < 0"),),
        ),
        Choice(
            "elu",
            "ELU",
            "x for x > 0, alpha·(e^x − 1) otherwise: smooth, negative outputs push means toward 0.",
            (ParamSpec("alpha", "float", 1.0, 0.0, 100.0, doc="value approached for large negative x"),),
        ),
        Choice("softmax", "Softmax", "Turns a vector into probabilities that sum to 1 (multi-class output)."),
        Choice("gelu", "GELU", "x·Φ(x): a smooth ReLU used by transformers (tanh approximation)."),
        Choice("silu", "SiLU / Swish", "x·sigmoid(x): smooth, non-monotonic near zero."),
        Choice("softplus", "Softplus", "log(1 + e^x): a smooth ReLU."),
    )
}

INITIALIZERS: dict[str, Choice] = {
    c.name: c
    for c in (
        Choice("glorot_uniform", "Glorot uniform", "U(±√(6/(fan_in+fan_out))): good default for tanh/sigmoid."),
        Choice("glorot_normal", "Glorot normal", "Truncated normal, std √(2/(fan_in+fan_out))."),
        Choice("he_uniform", "He uniform", "U(±√(6/fan_in)): suited to ReLU."),
        Choice("he_normal", "He normal", "Truncated normal, std √(2/fan_in): suited to ReLU."),
        Choice("lecun_normal", "LeCun normal", "Truncated normal, std √(1/fan_in)."),
        Choice("random_uniform", "Random uniform", "U(−0.05, 0.05)."),
        Choice("random_normal", "Random normal", "N(0, 0.05²)."),
        Choice("zeros", "Zeros", "All zeros (the usual bias start)."),
        Choice("ones", "Ones", "All ones."),
    )
}

LOSSES: dict[str, Choice] = {
    c.name: c
    for c in (
        Choice(
            "categorical_crossentropy",
            "Categorical cross-entropy",
            "−Σ y·log p over classes: the multi-class loss, with a softmax output.",
        ),
        Choice(
            "binary_crossentropy",
            "Binary cross-entropy",
            "−[y·log p + (1−y)·log(1−p)]: two classes, one sigmoid output.",
        ),
        Choice("hinge", "Hinge", "max(0, 1 − y·ŷ) with y = ±1: the SVM margin loss."),
        Choice("mean_absolute_error", "Absolute (MAE)", "|y − ŷ|: robust to outliers."),
        Choice("mean_squared_error", "Squared (MSE)", "(y − ŷ)²: punishes large errors hard."),
        Choice(
            "huber",
            "Huber",
            "Squared for small errors, absolute beyond delta: the best of both.",
            (ParamSpec("delta", "float", 1.0, 0.0, None, exclusive_min=True, doc="where it turns linear"),),
        ),
    )
}

_LR = ParamSpec("learning_rate", "float", 0.01, 0.0, 10.0, exclusive_min=True,
                doc="How far each update moves the weights. Too small: slow learning; too large (above about 1): "
                    "the loss jumps around or becomes NaN. Typical: 0.001 (Adam) to 0.1 (SGD). It can be changed "
                    "while training runs.")
OPTIMIZERS: dict[str, Choice] = {
    c.name: c
    for c in (
        Choice(
            "sgd",
            "SGD",
            "Plain gradient descent, optionally with momentum.",
            (
                _LR,
                ParamSpec("momentum", "float", 0.0, 0.0, 1.0, exclusive_max=True),
                ParamSpec("nesterov", "bool", False),
            ),
        ),
        Choice(
            "adam",
            "Adam",
            "Adaptive moments: a robust default.",
            (
                _LR,
                ParamSpec("beta_1", "float", 0.9, 0.0, 1.0, exclusive_max=True),
                ParamSpec("beta_2", "float", 0.999, 0.0, 1.0, exclusive_max=True),
                ParamSpec("epsilon", "float", 1e-7, 0.0, 1.0, exclusive_min=True),
            ),
        ),
        Choice(
            "adamw",
            "AdamW",
            "Adam with decoupled weight decay.",
            (
                _LR,
                ParamSpec("beta_1", "float", 0.9, 0.0, 1.0, exclusive_max=True),
                ParamSpec("beta_2", "float", 0.999, 0.0, 1.0, exclusive_max=True),
                ParamSpec("epsilon", "float", 1e-7, 0.0, 1.0, exclusive_min=True),
                ParamSpec("weight_decay", "float", 0.004, 0.0, 1.0),
            ),
        ),
        Choice(
            "rmsprop",
            "RMSprop",
            "Divides by a running RMS of the gradient.",
            (
                _LR,
                ParamSpec("rho", "float", 0.9, 0.0, 1.0, exclusive_max=True),
                ParamSpec("epsilon", "float", 1e-7, 0.0, 1.0, exclusive_min=True),
            ),
        ),
        Choice(
            "adagrad",
            "Adagrad",
            "Per-weight step sizes shrinking with the sum of squared gradients.",
            (
                _LR,
                ParamSpec("initial_accumulator_value", "float", 0.1, 0.0, None),
                ParamSpec("epsilon", "float", 1e-7, 0.0, 1.0, exclusive_min=True),
            ),
        ),
    )
}


def refuse_unknown(params: dict, known: list[str], where: str, owner: str) -> None:
    """ParamError at the first key of `params` not in `known`, listing the ones that are."""
    for key in params:
        if key not in known:
            shown = ", ".join(known) if known else "none"
            raise ParamError(f"{owner} has no parameter {_describe(key)[:60]} (known: {shown})", where)


def _drop_other_choices(table: dict[str, Choice], choice: Choice | None, params: dict, where: str, owner: str,
                        allowed: tuple[str, ...] = ()) -> dict:
    """`params` without the keys of other choices in `table`, which a switch of activation/optimizer leaves;
    any key no choice knows is refused."""
    own = [p.name for p in choice.params] if choice else []
    others = {p.name for c in table.values() for p in c.params} - set(own)
    refuse_unknown({k: v for k, v in params.items() if k not in others}, own + list(allowed), where, owner)
    return {k: v for k, v in params.items() if k not in others}


def coerce_activation_params(activation: str, params: Any, where: str) -> dict:
    if params is None:
        params = {}
    if not isinstance(params, dict):
        raise ParamError(f"must be an object, got {_describe(params)}", where)
    choice = ACTIVATIONS.get(activation)
    out = _drop_other_choices(ACTIVATIONS, choice, params, where, f"the {activation} activation")
    for p in choice.params if choice else ():
        if p.name in params:
            try:
                out[p.name] = p.coerce(params[p.name])
            except ParamError as err:
                raise ParamError(err.message, f"{where}.{p.name}") from None
        else:
            out[p.name] = p.default
    return out


def coerce_choice_params(table: dict[str, Choice], name: str, params: dict, where: str) -> dict:
    """Validate the parameters of a loss/optimizer choice (its "type" key may be among them); a key no choice
    of the table knows is refused, one of another choice (left from an earlier pick) is dropped."""
    choice = table[name]
    out = _drop_other_choices(table, choice, params, where, f'"{name}"', allowed=("type",))
    for p in choice.params:
        if p.name in params and params[p.name] is not None:
            try:
                out[p.name] = p.coerce(params[p.name])
            except ParamError as err:
                raise ParamError(err.message, f"{where}.{p.name}") from None
        elif p.default is not None:
            out[p.name] = p.default
    return out


# --------------------------------------------------------------------------------------------------------
# Shape rules. Each takes the layer's canonical params and the list of input shapes (batch axis excluded).


def _pair(v: int | list[int]) -> tuple[int, int]:
    return (v, v) if isinstance(v, int) else (int(v[0]), int(v[1]))


def _one(name: str, shapes: list[Shape]) -> Shape:
    if len(shapes) != 1:
        raise ShapeError(f"{name} takes exactly one input, got {len(shapes)}")
    return shapes[0]


def _input_shape(params: dict, shapes: list[Shape]) -> Shape:
    if "shape" not in params or params["shape"] is None:
        raise ShapeError("Input has no shape yet: choose data or set the shape")
    return tuple(params["shape"])


def _dense_shape(params: dict, shapes: list[Shape]) -> Shape:
    s = _one("Dense", shapes)
    if len(s) != 1:
        raise ShapeError(f"Dense needs a flat input but gets shape {list(s)}: add a Flatten layer before it")
    return (params["units"],)


def _same_shape(params: dict, shapes: list[Shape]) -> Shape:
    return _one("this layer", shapes)


def _flatten_shape(params: dict, shapes: list[Shape]) -> Shape:
    return (math.prod(_one("Flatten", shapes)),)


def _spatial(size: int, k: int, s: int, padding: str) -> int:
    if padding == "same":
        return -(-size // s)
    return (size - k) // s + 1


def _conv_shape(params: dict, shapes: list[Shape]) -> Shape:
    s = _one("Conv2D", shapes)
    if len(s) != 3:
        raise ShapeError(f"Conv2D needs an image input [height, width, channels], got shape {list(s)}")
    kh, kw = _pair(params["kernel_size"])
    sh, sw = _pair(params["strides"])
    h = _spatial(s[0], kh, sh, params["padding"])
    w = _spatial(s[1], kw, sw, params["padding"])
    if h < 1 or w < 1:
        raise ShapeError(f"kernel {kh}×{kw} is larger than the {s[0]}×{s[1]} input; use padding 'same'")
    return (h, w, params["filters"])


def _pool_shape(params: dict, shapes: list[Shape]) -> Shape:
    s = _one("MaxPooling2D", shapes)
    if len(s) != 3:
        raise ShapeError(f"MaxPooling2D needs an image input [height, width, channels], got shape {list(s)}")
    ph, pw = _pair(params["pool_size"])
    strides = params.get("strides")
    sh, sw = _pair(strides) if strides is not None else (ph, pw)
    h = _spatial(s[0], ph, sh, params["padding"])
    w = _spatial(s[1], pw, sw, params["padding"])
    if h < 1 or w < 1:
        raise ShapeError(f"pool {ph}×{pw} is larger than the {s[0]}×{s[1]} input")
    return (h, w, s[2])


def _add_shape(params: dict, shapes: list[Shape]) -> Shape:
    if len(shapes) < 2:
        raise ShapeError(f"Add needs two or more inputs, got {len(shapes)}")
    if any(s != shapes[0] for s in shapes):
        raise ShapeError("Add needs inputs of equal shape, got " + ", ".join(str(list(s)) for s in shapes))
    return shapes[0]


def _concat_shape(params: dict, shapes: list[Shape]) -> Shape:
    if len(shapes) < 2:
        raise ShapeError(f"Concatenate needs two or more inputs, got {len(shapes)}")
    rank = len(shapes[0])
    if any(len(s) != rank for s in shapes):
        raise ShapeError("Concatenate needs inputs of equal rank, got " + ", ".join(str(list(s)) for s in shapes))
    axis = params["axis"]
    if not -rank <= axis < rank:
        raise ShapeError(f"axis {axis} is out of range for inputs of rank {rank}")
    axis %= rank
    for s in shapes:
        if any(s[i] != shapes[0][i] for i in range(rank) if i != axis):
            raise ShapeError(
                f"Concatenate along axis {params['axis']} needs the other axes equal, got "
                + ", ".join(str(list(x)) for x in shapes)
            )
    out = list(shapes[0])
    out[axis] = sum(s[axis] for s in shapes)
    return tuple(out)


def _dense_weights(params: dict, in_shape: Shape | None) -> dict[str, Shape | None]:
    units = params.get("units")
    out: dict[str, Shape | None] = {"kernel": (in_shape[0], units) if in_shape and len(in_shape) == 1 else None}
    if params.get("use_bias", True):
        out["bias"] = (units,)
    return out


def _conv_weights(params: dict, in_shape: Shape | None) -> dict[str, Shape | None]:
    kh, kw = _pair(params.get("kernel_size", 3))
    f = params.get("filters")
    out: dict[str, Shape | None] = {"kernel": (kh, kw, in_shape[-1], f) if in_shape and len(in_shape) == 3 else None}
    if params.get("use_bias", True):
        out["bias"] = (f,)
    return out


BN_ARRAYS = ("gamma", "beta", "moving_mean", "moving_variance")  # the last two: saved, counted, not trained


def _bn_weights(params: dict, in_shape: Shape | None) -> dict[str, Shape | None]:
    return {name: (in_shape[-1],) if in_shape else None for name in BN_ARRAYS}


_ACT = ParamSpec("activation", "activation", "linear", doc="applied to the layer's output")
_INIT = ParamSpec("kernel_initializer", "initializer", "glorot_uniform", doc="how the weights start")

LAYER_TYPES: dict[str, LayerType] = {
    t.name: t
    for t in (
        LayerType(
            "Input",
            "Core",
            "Where the data enters; its shape follows the prepared data.",
            (ParamSpec("shape", "shape", None, doc="one sample's shape, without the batch axis"),),
            min_inputs=0,
            max_inputs=0,
            icon="input.svg",
            output_shape=_input_shape,
            engine="designer.engine.layers:Input",
            neurons=True,
            torch="designer.torch_backend.layers:identity",
            prefix="input",
            concept=("Input layer",
                     "Where the rows of data enter: its shape is the number of features (or the image's height × "
                     "width × channels). It has no weights.",
                     "canvas"),
        ),
        LayerType(
            "Dense",
            "Core",
            "Every input connects to every unit: y = activation(x·W + b).",
            (
                ParamSpec("units", "int", None, 1, MAX_UNITS, required=True, doc="number of neurons"),
                _ACT,
                ParamSpec("use_bias", "bool", True, doc="add a learned bias b to each unit"),
                _INIT,
                ParamSpec("bias_initializer", "initializer", "zeros"),
            ),
            icon="dense.svg",
            output_shape=_dense_shape,
            weights=_dense_weights,
            engine="designer.engine.layers:Dense",
            neurons=True,
            torch="designer.torch_backend.layers:dense",
            prefix="dense",
            concept=("Dense layer",
                     "Every unit computes a weighted sum of all its inputs plus a bias, then applies the activation: "
                     "output = f(x·W + b). A layer of n inputs and u units has n·u weights and u biases.",
                     "canvas"),
            initial={"units": 16},
        ),
        LayerType(
            "Activation",
            "Core",
            "Applies a non-linearity element by element.",
            (ParamSpec("activation", "activation", "relu"),),
            icon="activation.svg",
            output_shape=_same_shape,
            engine="designer.engine.layers:Activation",
            torch="designer.torch_backend.layers:identity",
            elementwise=True,
            prefix="activation",
            concept=("Activation layer",
                     "Applies an activation function on its own, with no weights: the same as choosing that "
                     "activation on the layer before it.",
                     "canvas"),
        ),
        LayerType(
            "Dropout",
            "Regularization",
            "Zeroes a random fraction of values while training, against overfitting.",
            (ParamSpec("rate", "float", 0.5, 0.0, 1.0, exclusive_max=True, doc="fraction dropped"),),
            icon="dropout.svg",
            output_shape=_same_shape,
            engine="designer.engine.layers:Dropout",
            torch="designer.torch_backend.layers:dropout",
            elementwise=True,
            prefix="dropout",
            concept=("Dropout",
                     "While training, a Dropout layer sets each of its inputs to zero with probability `rate` and "
                     "scales the others by 1/(1 − rate); at prediction time it does nothing. Units cannot rely on "
                     "particular partners, which fights overfitting.",
                     "palette"),
            aliases=("Dropout layer", "drop out"),
            see_also=("overfitting",),
        ),
        LayerType(
            "BatchNormalization",
            "Regularization",
            "Normalises each feature over the batch, then scales and shifts: steadier, faster training.",
            (
                ParamSpec("momentum", "float", 0.99, 0.0, 1.0, exclusive_max=True),
                ParamSpec("epsilon", "float", 0.001, 0.0, 1.0, exclusive_min=True),
            ),
            icon="batchnorm.svg",
            output_shape=_same_shape,
            weights=_bn_weights,
            frozen=("moving_mean", "moving_variance"),
            engine="designer.engine.normalization:BatchNormalization",
            torch="designer.torch_backend.layers:batch_norm",
            imports={"keras": "designer.importers.layers:keras_batch_norm",
                     "onnx": "designer.importers.layers:onnx_batch_norm"},
            role="normalization",
            elementwise=True,
            prefix="batch_normalization",
            concept=("Batch normalisation",
                     "Standardises each feature over the batch (mean 0, variance 1), then scales and shifts it by two "
                     "learnt values. Layers then see inputs in a steady range, so training is faster and tolerates "
                     "higher learning rates; it also regularises a little. At prediction time it uses moving averages "
                     "of the batch statistics.",
                     "palette"),
            aliases=("batch normalization", "batchnorm", "batch norm", "bn", "batch normalisation layer"),
            see_also=("overfitting",),
        ),
        LayerType(
            "Flatten",
            "Core",
            "Unrolls an image or tensor into one long vector for Dense layers.",
            (),
            icon="flatten.svg",
            output_shape=_flatten_shape,
            engine="designer.engine.layers:Flatten",
            torch="designer.torch_backend.layers:flatten",
            prefix="flatten",
            concept=("Flatten layer",
                     "Turns an image-shaped tensor (height × width × channels) into one long vector for Dense layers. "
                     "No weights.",
                     "canvas"),
        ),
        LayerType(
            "Conv2D",
            "Convolution",
            "Slides learned filters over an image to detect local patterns.",
            (
                ParamSpec("filters", "int", None, 1, MAX_FILTERS, required=True, doc="number of filters"),
                ParamSpec("kernel_size", "int_or_pair", 3, 1, MAX_KERNEL, doc="filter height and width"),
                ParamSpec("strides", "int_or_pair", 1, 1, MAX_KERNEL),
                ParamSpec("padding", "choice", "valid", choices=("valid", "same")),
                _ACT,
                ParamSpec("use_bias", "bool", True),
                _INIT,
            ),
            icon="conv2d.svg",
            output_shape=_conv_shape,
            weights=_conv_weights,
            engine="designer.engine.conv:Conv2D",
            torch="designer.torch_backend.layers:conv2d",
            prefix="conv2d",
            concept=("Convolution layer (Conv2D)",
                     "Slides small filters (e.g. 3×3) over an image; each filter has the same weights everywhere, so "
                     "it finds its pattern wherever it is, with few parameters.",
                     "canvas"),
            aliases=("convolution", "conv", "convolutional layer", "filter", "filters", "kernel size"),
            initial={"filters": 16},
        ),
        LayerType(
            "MaxPooling2D",
            "Convolution",
            "Keeps the largest value of each window: smaller maps, some shift tolerance.",
            (
                ParamSpec("pool_size", "int_or_pair", 2, 1, MAX_KERNEL),
                ParamSpec("strides", "int_or_pair", None, 1, MAX_KERNEL, doc="defaults to pool_size"),
                ParamSpec("padding", "choice", "valid", choices=("valid", "same")),
            ),
            icon="maxpool.svg",
            output_shape=_pool_shape,
            engine="designer.engine.conv:MaxPooling2D",
            torch="designer.torch_backend.layers:max_pool2d",
            prefix="max_pooling2d",
            concept=("Max pooling layer",
                     "Keeps the largest value of each small window (e.g. 2×2): a smaller image that tolerates small "
                     "shifts. No weights.",
                     "canvas"),
            aliases=("pooling", "max pooling", "pool size"),
        ),
        LayerType(
            "Add",
            "Merge",
            "Adds two or more tensors of equal shape (skip/residual connections).",
            (),
            min_inputs=2,
            max_inputs=None,
            icon="add.svg",
            output_shape=_add_shape,
            engine="designer.engine.layers:Add",
            torch="designer.torch_backend.layers:add",
            prefix="add",
            concept=("Add layer",
                     "Adds its inputs element by element: the join of a skip (residual) connection, which gives "
                     "gradients a short path back through a deep network.",
                     "canvas"),
        ),
        LayerType(
            "Concatenate",
            "Merge",
            "Joins two or more tensors along an axis (branches).",
            (ParamSpec("axis", "int", -1, -8, 8),),
            min_inputs=2,
            max_inputs=None,
            icon="concatenate.svg",
            output_shape=_concat_shape,
            engine="designer.engine.layers:Concatenate",
            torch="designer.torch_backend.layers:concatenate",
            prefix="concatenate",
            concept=("Concatenate layer",
                     "Puts its inputs side by side into one longer vector.",
                     "canvas"),
        ),
    )
}


# The types every exporter writes; a registered type is not exported until the exporters can write it.
BUILT_IN_LAYER_TYPES = frozenset(LAYER_TYPES)


def register_layer_type(ltype: LayerType) -> LayerType:
    """Add a layer type (a plug-in or a test's toy type): the palette, validator, graph, engine, project
    files and export plan read it from here like any built-in type. Refuses a name already taken."""
    if ltype.name in LAYER_TYPES:
        raise ParamError(f'a layer type named "{ltype.name}" already exists')
    if ltype.output_shape is None or not ltype.engine:
        raise ParamError(f"layer type {ltype.name} needs a shape rule and an engine class")
    LAYER_TYPES[ltype.name] = ltype
    return ltype


def unregister_layer_type(name: str) -> None:
    LAYER_TYPES.pop(name, None)


def layer_type(name: str) -> LayerType:
    try:
        return LAYER_TYPES[name]
    except KeyError:
        raise ParamError(f'unknown layer type "{name}"; known: {", ".join(LAYER_TYPES)}') from None


def types_with_role(role: str) -> list[str]:
    """The layer types declaring `role`, in registry order (see LayerType.role)."""
    return [name for name, t in LAYER_TYPES.items() if t.role == role]
