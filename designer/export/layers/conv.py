"""Export emitters of the image layer types: Conv2D and MaxPooling2D (see designer.export.emitters).

The engine is channels-last with HWIO kernels (Keras's layout); ONNX and PyTorch compute channels-first, so
these emitters ask for the NCHW tensor (ONNX) or permute around the torch call.
"""

from __future__ import annotations

from dataclasses import dataclass

from designer.export.emitters import NumpyLayer, TorchLayer, emits
from designer.export.layers.core import BIAS, activation_fields, activation_of, keras_weighted
from designer.export.plan import pair, spatial_pads, strides_of
from designer.export.source import literal


@dataclass(frozen=True)
class _Window:
    """What a convolution and a pool share: the window's size, its strides, and the padding Keras's "same"
    implies (top, bottom, left, right; the odd pixel after)."""

    size: tuple[int, int]
    strides: tuple[int, int]
    pads: tuple[int, int, int, int]

    def keras(self, size_name: str, padding: str) -> str:
        (kh, kw), (sh, sw) = self.size, self.strides
        return f"{size_name}=({kh}, {kw}), strides=({sh}, {sw}), padding={literal(padding)}"

    def onnx(self, b, op: str, inputs: list, name: str):
        t, bot, left, r = self.pads
        return b.node(op, inputs, name, kernel_shape=list(self.size), strides=list(self.strides),
                      pads=[t, left, bot, r])

    def torch_input(self, arg: str, fill: str = "") -> str:
        """`arg` channels-first, padded where "same" asks for it (`fill`: F.pad's further arguments)."""
        t, b, left, r = self.pads
        inner = f"to_nchw({arg})"
        return f"F.pad({inner}, ({left}, {r}, {t}, {b}){fill})" if t or b or left or r else inner

    def numpy_fields(self) -> dict:
        return {"strides": list(self.strides), "pads": list(self.pads)}


def _window(s, size_key: str) -> _Window:
    return _Window(pair(s.params[size_key]), strides_of(s, size_key), spatial_pads(s, size_key))


# -------------------------------------------------------------------------------------------------- ONNX
@emits("onnx", "Conv2D")
def _conv_onnx(b, s, ins):
    args = [b.get(ins[0], "nchw", s.id), b.const(f"{s.id}/kernel_oihw", s.arrays["kernel"].transpose(3, 2, 0, 1))]
    if "bias" in s.arrays:
        args.append(b.const(f"{s.id}/bias", s.arrays["bias"]))
    z = _window(s, "kernel_size").onnx(b, "Conv", args, f"{s.id}/conv")
    return b.activate(b.value(4, nchw=z), *activation_of(s), s.id)


@emits("onnx", "MaxPooling2D")
def _pool_onnx(b, s, ins):
    return b.value(4, nchw=_window(s, "pool_size").onnx(b, "MaxPool", [b.get(ins[0], "nchw", s.id)], s.id))


# ------------------------------------------------------------------------------------------------- Keras
@emits("keras", "Conv2D")
def _conv_keras(s, var, args, act_layer):
    p = s.params
    window = _window(s, "kernel_size").keras("kernel_size", p.get("padding", "valid"))
    return keras_weighted(s, var, args[0], f'layers.Conv2D({p["filters"]}, {window}, ', act_layer)


@emits("keras", "MaxPooling2D")
def _pool_keras(s, var, args, act_layer):
    window = _window(s, "pool_size").keras("pool_size", s.params.get("padding", "valid"))
    return [f"{var} = layers.MaxPooling2D({window}, name={literal(var)})({args[0]})"]


# ----------------------------------------------------------------------------------------------- PyTorch
@emits("pytorch", "Conv2D")
def _conv_torch(s, attr, args, activation):
    p = s.params
    w = _window(s, "kernel_size")
    (kh, kw), (sh, sw) = w.size, w.strides
    ctor = (
        f"nn.Conv2d({s.in_shapes[0][-1]}, {p['filters']}, kernel_size=({kh}, {kw}), stride=({sh}, {sw}), "
        f"bias={bool(p.get('use_bias', True))})"
    )
    tensors = (("weight", "kernel", (3, 2, 0, 1)),) + ((BIAS,) if "bias" in s.arrays else ())
    call = f"to_nhwc(self.{attr}({w.torch_input(args[0])}))"
    return TorchLayer(ctor, activation(*activation_of(s), call), tensors)


@emits("pytorch", "MaxPooling2D")
def _pool_torch(s, attr, args, activation):
    w = _window(s, "pool_size")
    (kh, kw), (sh, sw) = w.size, w.strides
    inner = w.torch_input(args[0], ", value=float('-inf')")
    return TorchLayer(f"nn.MaxPool2d(({kh}, {kw}), stride=({sh}, {sw}))", f"to_nhwc(self.{attr}({inner}))")


# ------------------------------------------------------------------------------------------------- NumPy
emits("numpy", "Conv2D")(NumpyLayer("_conv2d", '''
def _conv2d(s, xs):
    x = xs[0]
    k = W[s["id"] + "/kernel"]
    kh, kw, cin, f = k.shape
    sh, sw = s["strides"]
    xp = _pad(x, s["pads"], 0.0)
    oh, ow = s["out_shape"][0], s["out_shape"][1]
    cols = np.empty((x.shape[0], oh, ow, kh, kw, cin), dtype=np.float32)
    for i, j, v in _windows(xp, kh, kw, sh, sw, oh, ow):
        cols[:, :, :, i, j, :] = v
    z = cols.reshape(-1, kh * kw * cin) @ k.reshape(-1, f)
    if s["id"] + "/bias" in W:
        z += W[s["id"] + "/bias"]
    return _act(s["activation"], s["activation_params"], z.reshape(x.shape[0], oh, ow, f))
''', lambda step: {**activation_fields(step), **_window(step, "kernel_size").numpy_fields()}))

emits("numpy", "MaxPooling2D")(NumpyLayer("_maxpool", '''
def _maxpool(s, xs):
    kh, kw = s["pool_size"]
    sh, sw = s["strides"]
    xp = _pad(xs[0], s["pads"], -np.inf)
    out = None
    for _, _, v in _windows(xp, kh, kw, sh, sw, s["out_shape"][0], s["out_shape"][1]):
        out = v.copy() if out is None else np.maximum(out, v, out=out)
    return out
''', lambda step: {"pool_size": list(pair(step.params["pool_size"])),
                  **_window(step, "pool_size").numpy_fields()}))
