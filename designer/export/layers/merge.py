"""Export emitters of the merge layer types: Add and Concatenate (see designer.export.emitters)."""

from __future__ import annotations

from designer.export.emitters import NumpyLayer, TorchLayer, emits
from designer.export.plan import concat_axis
from designer.export.source import literal

NHWC_AXIS_IN_NCHW = {1: 2, 2: 3, 3: 1}


# -------------------------------------------------------------------------------------------------- ONNX
@emits("onnx", "Add")
def _add_onnx(b, s, ins):
    layout = "nchw" if all("nchw" in v.names for v in ins) else "nhwc"  # stay channels-first when all are
    return b.value(len(s.out_shape) + 1, **{layout: b.node("Sum", [b.get(v, layout, s.id) for v in ins], s.id)})


@emits("onnx", "Concatenate")
def _concat_onnx(b, s, ins):
    rank = len(s.out_shape) + 1
    axis = concat_axis(s)
    layout = "nchw" if rank == 4 and all("nchw" in v.names for v in ins) else "nhwc"
    if layout == "nchw":
        axis = NHWC_AXIS_IN_NCHW[axis]
    return b.value(rank, **{layout: b.node("Concat", [b.get(v, layout, s.id) for v in ins], s.id, axis=axis)})


# ------------------------------------------------------------------------------------------------- Keras
@emits("keras", "Add")
def _add_keras(s, var, args, act_layer):
    return [f'{var} = layers.Add(name={literal(var)})([{", ".join(args)}])']


@emits("keras", "Concatenate")
def _concat_keras(s, var, args, act_layer):
    return [f'{var} = layers.Concatenate(axis={concat_axis(s)}, name={literal(var)})([{", ".join(args)}])']


# ----------------------------------------------------------------------------------------------- PyTorch
@emits("pytorch", "Add")
def _add_torch(s, attr, args, activation):
    return TorchLayer(None, " + ".join(args))


@emits("pytorch", "Concatenate")
def _concat_torch(s, attr, args, activation):
    return TorchLayer(None, f"torch.cat([{', '.join(args)}], dim={concat_axis(s)})")


# ------------------------------------------------------------------------------------------------- NumPy
emits("numpy", "Add")(NumpyLayer("_add", '''
def _add(s, xs):
    out = xs[0] + xs[1]
    for y in xs[2:]:
        out += y
    return out
'''))

emits("numpy", "Concatenate")(NumpyLayer("_concatenate", '''
def _concatenate(s, xs):
    return np.concatenate(xs, axis=s["axis"])
''', lambda step: {"axis": concat_axis(step)}))
