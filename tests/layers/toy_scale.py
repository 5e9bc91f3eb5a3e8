"""A toy layer type that lives entirely in this test module: y = x · w with one learned scale per feature.

Registering it is all it takes for the palette, the validator, the graph, the engine and project files to
know it (`tests/layers/test_layer_types.py`); nothing under designer/ names it. It brings one export emitter,
the NumPy predictor's, so that format writes it and the others refuse it by name.
"""

from __future__ import annotations

import numpy as np

from designer.engine.layer_base import Layer
from designer.engine.registry import LayerType, ParamSpec, register_layer_type, unregister_layer_type
from designer.export.emitters import NumpyLayer, register_emitter, unregister_emitters


class ScaleLayer(Layer):
    type_name = "Scale"

    def build(self, input_shapes, rng):
        super().build(input_shapes, rng)
        n = self.input_shapes[0][-1]
        self.params["w"] = np.full((n,), self.config.get("start", 1.0), dtype=self.dtype)
        self.grads["w"] = np.zeros_like(self.params["w"])
        self.output_shape = self.input_shapes[0]

    def forward(self, inputs, training):
        self._x = inputs[0]
        return inputs[0] * self.params["w"]

    def backward(self, grad_out):
        n = self.params["w"].shape[0]
        self.grads["w"][...] = (grad_out * self._x).reshape(-1, n).sum(axis=0)
        return [grad_out * self.params["w"]]


def _same(params, shapes):
    return shapes[0]


SCALE = LayerType(
    "Scale",
    "Core",
    "Multiplies each feature by its own learned factor.",
    (ParamSpec("start", "float", 1.0, -10.0, 10.0, doc="every factor's first value"),),
    icon="activation.svg",
    output_shape=_same,
    weights=lambda params, in_shape: {"w": (in_shape[-1],) if in_shape else None},
    engine=ScaleLayer,
    prefix="scale",
)


# the generated predictor's function for it (W: the exported weights by "<layer id>/<name>")
NUMPY_EMITTER = NumpyLayer("_scale", '''
def _scale(s, xs):
    return xs[0] * W[s["id"] + "/w"]
''')


def torch_scale(layer, w, xs, training, generator):
    """Its PyTorch-engine op (a LayerType `torch` hook); SCALE leaves it out, so it trains on NumPy only."""
    return xs[0] * w["w"]


def register() -> None:
    register_layer_type(SCALE)
    register_emitter("numpy", "Scale", NUMPY_EMITTER)


def unregister() -> None:
    unregister_layer_type("Scale")
    unregister_emitters("Scale")
