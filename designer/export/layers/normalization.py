"""Export emitters of batch normalisation (see designer.export.emitters): at inference it is
(x − moving_mean) · gamma / √(moving_variance + ε) + beta over the last (channel) axis."""

from __future__ import annotations

from designer.export.emitters import NumpyLayer, TorchLayer, emits
from designer.export.source import literal

TYPE = "BatchNormalization"  # the layer type; ONNX and Keras call their operator the same
STATS = ("gamma", "beta", "moving_mean", "moving_variance")


def _epsilon(s) -> float:
    return float(s.params.get("epsilon", 0.001))


@emits("onnx", TYPE)
def _bn_onnx(b, s, ins):
    x = ins[0]
    rank = len(s.out_shape) + 1
    stats = [b.const(f"{s.id}/{k}", s.arrays[k]) for k in STATS]
    eps = _epsilon(s)
    if rank == 2:
        return b.value(2, nhwc=b.node("BatchNormalization", [x.names["nhwc"], *stats], s.id, epsilon=eps))
    if rank == 4:
        return b.value(4, nchw=b.node("BatchNormalization", [b.get(x, "nchw", s.id), *stats], s.id, epsilon=eps))
    # other ranks: move the channel axis to position 1 and back
    perm = [0, rank - 1, *range(1, rank - 1)]
    back = [0, *range(2, rank), 1]
    moved = b.node("Transpose", [x.names["nhwc"]], f"{s.id}/to_cfirst", perm=perm)
    normed = b.node("BatchNormalization", [moved, *stats], f"{s.id}/bn", epsilon=eps)
    return b.value(rank, nhwc=b.node("Transpose", [normed], s.id, perm=back))


@emits("keras", TYPE)
def _bn_keras(s, var, args, act_layer):
    # the engine uses Keras's momentum convention, so the numbers go in unchanged
    return [
        f'{var} = layers.BatchNormalization(axis=-1, momentum={float(s.params.get("momentum", 0.99))!r}, '
        f'epsilon={_epsilon(s)!r}, name={literal(var)})({args[0]})'
    ]


@emits("pytorch", TYPE)
def _bn_torch(s, attr, args, activation):
    x = args[0]
    c = s.in_shapes[0][-1]
    rank = len(s.in_shapes[0])
    tensors = (("weight", "gamma", None), ("bias", "beta", None), ("running_mean", "moving_mean", None),
               ("running_var", "moving_variance", None))
    # Keras: moving = moving·m + batch·(1 − m); PyTorch: running = running·(1 − mom) + batch·mom
    opts = f"eps={_epsilon(s)!r}, momentum={round(1 - float(s.params.get('momentum', 0.99)), 12)!r}"
    if rank == 1:
        return TorchLayer(f"nn.BatchNorm1d({c}, {opts})", f"self.{attr}({x})", tensors)
    if rank == 3:
        return TorchLayer(f"nn.BatchNorm2d({c}, {opts})", f"to_nhwc(self.{attr}(to_nchw({x})))", tensors)
    perm = ", ".join(str(i) for i in [0, rank, *range(1, rank)])
    back = ", ".join(str(i) for i in [0, *range(2, rank + 1), 1])
    return TorchLayer(
        f"nn.BatchNorm1d({c}, {opts})",
        f"self.{attr}({x}.permute({perm}).flatten(2)).reshape({x}.permute({perm}).shape).permute({back})",
        tensors,
    )


emits("numpy", TYPE)(NumpyLayer("_batch_normalization", '''
def _batch_normalization(s, xs):
    n = s["id"] + "/"
    scale = W[n + "gamma"] / np.sqrt(W[n + "moving_variance"] + np.float32(s["epsilon"]))
    return (xs[0] - W[n + "moving_mean"]) * scale + W[n + "beta"]
''', lambda step: {"epsilon": _epsilon(step)}))
