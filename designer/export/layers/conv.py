"""Export emitters of the image layer types: Conv2D and MaxPooling2D (see designer.export.emitters).

The engine is channels-last with HWIO kernels (Keras's layout); ONNX and PyTorch compute channels-first, so
these emitters ask for the NCHW tensor (ONNX) or permute around the torch call.
"""

from __future__ import annotations

from designer.export.emitters import NumpyLayer, TorchLayer, emits
from designer.export.layers.core import BIAS, activation_fields, activation_of, keras_weighted
from designer.export.plan import pair, spatial_pads, strides_of
from designer.export.source import literal


# -------------------------------------------------------------------------------------------------- ONNX
@emits("onnx", "Conv2D")
def _conv_onnx(b, s, ins):
    t, bot, left, r = spatial_pads(s, "kernel_size")
    kh, kw = pair(s.params["kernel_size"])
    args = [b.get(ins[0], "nchw", s.id), b.const(f"{s.id}/kernel_oihw", s.arrays["kernel"].transpose(3, 2, 0, 1))]
    if "bias" in s.arrays:
        args.append(b.const(f"{s.id}/bias", s.arrays["bias"]))
    z = b.node(
        "Conv",
        args,
        f"{s.id}/conv",
        kernel_shape=[kh, kw],
        strides=list(strides_of(s, "kernel_size")),
        pads=[t, left, bot, r],
    )
    return b.activate(b.value(4, nchw=z), *activation_of(s), s.id)


@emits("onnx", "MaxPooling2D")
def _pool_onnx(b, s, ins):
    t, bot, left, r = spatial_pads(s, "pool_size")
    out = b.node(
        "MaxPool",
        [b.get(ins[0], "nchw", s.id)],
        s.id,
        kernel_shape=list(pair(s.params["pool_size"])),
        strides=list(strides_of(s, "pool_size")),
        pads=[t, left, bot, r],
    )
    return b.value(4, nchw=out)


# ------------------------------------------------------------------------------------------------- Keras
@emits("keras", "Conv2D")
def _conv_keras(s, var, args, act_layer):
    p = s.params
    kh, kw = pair(p["kernel_size"])
    sh, sw = strides_of(s, "kernel_size")
    start = (
        f'layers.Conv2D({p["filters"]}, kernel_size=({kh}, {kw}), strides=({sh}, {sw}), '
        f'padding={literal(p.get("padding", "valid"))}, '
    )
    return keras_weighted(s, var, args[0], start, act_layer)


@emits("keras", "MaxPooling2D")
def _pool_keras(s, var, args, act_layer):
    p = s.params
    kh, kw = pair(p["pool_size"])
    sh, sw = strides_of(s, "pool_size")
    return [
        f'{var} = layers.MaxPooling2D(pool_size=({kh}, {kw}), strides=({sh}, {sw}), '
        f'padding={literal(p.get("padding", "valid"))}, name={literal(var)})({args[0]})'
    ]


# ----------------------------------------------------------------------------------------------- PyTorch
@emits("pytorch", "Conv2D")
def _conv_torch(s, attr, args, activation):
    p = s.params
    kh, kw = pair(p["kernel_size"])
    sh, sw = strides_of(s, "kernel_size")
    ctor = (
        f"nn.Conv2d({s.in_shapes[0][-1]}, {p['filters']}, kernel_size=({kh}, {kw}), stride=({sh}, {sw}), "
        f"bias={bool(p.get('use_bias', True))})"
    )
    t, b, left, r = spatial_pads(s, "kernel_size")
    inner = f"to_nchw({args[0]})"
    if t or b or left or r:
        inner = f"F.pad({inner}, ({left}, {r}, {t}, {b}))"  # Keras "same": the odd pixel after
    tensors = (("weight", "kernel", (3, 2, 0, 1)),) + ((BIAS,) if "bias" in s.arrays else ())
    return TorchLayer(ctor, activation(*activation_of(s), f"to_nhwc(self.{attr}({inner}))"), tensors)


@emits("pytorch", "MaxPooling2D")
def _pool_torch(s, attr, args, activation):
    kh, kw = pair(s.params["pool_size"])
    sh, sw = strides_of(s, "pool_size")
    t, b, left, r = spatial_pads(s, "pool_size")
    inner = f"to_nchw({args[0]})"
    if t or b or left or r:
        inner = f"F.pad({inner}, ({left}, {r}, {t}, {b}), value=float('-inf'))"
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
''', lambda step: {**activation_fields(step), "strides": list(strides_of(step, "kernel_size")),
                  "pads": list(spatial_pads(step, "kernel_size"))}))

emits("numpy", "MaxPooling2D")(NumpyLayer("_maxpool", '''
def _maxpool(s, xs):
    kh, kw = s["pool_size"]
    sh, sw = s["strides"]
    xp = _pad(xs[0], s["pads"], -np.inf)
    out = None
    for _, _, v in _windows(xp, kh, kw, sh, sw, s["out_shape"][0], s["out_shape"][1]):
        out = v.copy() if out is None else np.maximum(out, v, out=out)
    return out
''', lambda step: {"pool_size": list(pair(step.params["pool_size"])), "strides": list(strides_of(step, "pool_size")),
                  "pads": list(spatial_pads(step, "pool_size"))}))
