"""Export emitters of the core layer types: Dense, Activation, Dropout, Flatten (see designer.export.emitters)."""

from __future__ import annotations

from designer.export.emitters import NumpyLayer, TorchLayer, emits
from designer.export.source import literal

# activations Keras knows by the same name with the same maths: a Dense/Conv2D layer can apply them itself
KERAS_NAMED = {"relu", "sigmoid", "tanh", "softmax", "silu", "softplus"}


def activation_of(step, default: str = "linear") -> tuple[str, dict]:
    p = step.params
    return p.get("activation", default), p.get("activation_params") or {}


def activation_fields(step) -> dict:
    name, params = activation_of(step)
    return {"activation": name, "activation_params": dict(params)}


# -------------------------------------------------------------------------------------------------- ONNX
@emits("onnx", "Dense")
def _dense_onnx(b, s, ins):
    x = ins[0]
    w = b.const(f"{s.id}/kernel", s.arrays["kernel"])
    xin = b.get(x, "nhwc", s.id)
    if "bias" in s.arrays:
        z = b.node("Gemm", [xin, w, b.const(f"{s.id}/bias", s.arrays["bias"])], f"{s.id}/gemm")
    else:
        z = b.node("MatMul", [xin, w], f"{s.id}/matmul")
    return b.activate(b.value(len(s.out_shape) + 1, nhwc=z), *activation_of(s), s.id)


@emits("onnx", "Activation")
def _activation_onnx(b, s, ins):
    return b.activate(ins[0], *activation_of(s, "relu"), s.id)


@emits("onnx", "Dropout")
def _dropout_onnx(b, s, ins):
    return ins[0]  # identity at inference


@emits("onnx", "Flatten")
def _flatten_onnx(b, s, ins):
    return b.value(2, nhwc=b.node("Flatten", [b.get(ins[0], "nhwc", s.id)], s.id, axis=1))


# ------------------------------------------------------------------------------------------------- Keras
def keras_weighted(s, var: str, x: str, ctor_start: str, act_layer) -> list[str]:
    """Lines of a Dense/Conv2D layer: the activation inline when Keras has it by name, else a layer after."""
    act, act_params = activation_of(s)
    inline = act if act in KERAS_NAMED or act == "linear" else "linear"
    bias = bool(s.params.get("use_bias", True))
    lines = [f"{var} = {ctor_start}activation={literal(inline)}, use_bias={bias}, name={literal(var)})({x})"]
    if inline != act:
        lines.append(f"{var} = {act_layer(act, act_params, f'{var}_act')}({var})")
    return lines


@emits("keras", "Dense")
def _dense_keras(s, var, args, act_layer):
    return keras_weighted(s, var, args[0], f'layers.Dense({s.params["units"]}, ', act_layer)


@emits("keras", "Activation")
def _activation_keras(s, var, args, act_layer):
    layer = act_layer(*activation_of(s, "relu"), var)
    return [f"{var} = {layer}({args[0]})" if layer else f"{var} = {args[0]}"]


@emits("keras", "Dropout")
def _dropout_keras(s, var, args, act_layer):
    return [f'{var} = layers.Dropout({float(s.params.get("rate", 0.5))!r}, name={literal(var)})({args[0]})']


@emits("keras", "Flatten")
def _flatten_keras(s, var, args, act_layer):
    return [f'{var} = layers.Flatten(name={literal(var)})({args[0]})']


# ----------------------------------------------------------------------------------------------- PyTorch
BIAS = ("bias", "bias", None)


@emits("pytorch", "Dense")
def _dense_torch(s, attr, args, activation):
    p = s.params
    ctor = f"nn.Linear({s.in_shapes[0][0]}, {p['units']}, bias={bool(p.get('use_bias', True))})"
    tensors = (("weight", "kernel", (1, 0)),) + ((BIAS,) if "bias" in s.arrays else ())
    return TorchLayer(ctor, activation(*activation_of(s), f"self.{attr}({args[0]})"), tensors)


@emits("pytorch", "Activation")
def _activation_torch(s, attr, args, activation):
    return TorchLayer(None, activation(*activation_of(s, "relu"), args[0]))


@emits("pytorch", "Dropout")
def _dropout_torch(s, attr, args, activation):
    return TorchLayer(f"nn.Dropout({float(s.params.get('rate', 0.5))!r})", f"self.{attr}({args[0]})")


@emits("pytorch", "Flatten")
def _flatten_torch(s, attr, args, activation):
    return TorchLayer(None, f"torch.flatten({args[0]}, 1)")


# ------------------------------------------------------------------------------------------------- NumPy
emits("numpy", "Dense")(NumpyLayer("_dense", '''
def _dense(s, xs):
    z = xs[0] @ W[s["id"] + "/kernel"]
    if s["id"] + "/bias" in W:
        z += W[s["id"] + "/bias"]
    return _act(s["activation"], s["activation_params"], z)
''', activation_fields))
emits("numpy", "Activation")(NumpyLayer("_activation", '''
def _activation(s, xs):
    return _act(s["activation"], s["activation_params"], xs[0])
''', activation_fields))
emits("numpy", "Dropout")(NumpyLayer("_dropout", '''
def _dropout(s, xs):
    return xs[0]
'''))
emits("numpy", "Flatten")(NumpyLayer("_flatten", '''
def _flatten(s, xs):
    return xs[0].reshape(xs[0].shape[0], -1)
'''))
