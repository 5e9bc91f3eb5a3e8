"""The contract every engine layer fulfils (numpy-ml / Keras style).

A layer is built once for known input shapes, then called many times:
  forward(inputs, training) caches what backward needs and returns the output;
  backward(grad_out) fills `self.grads` (same keys as `self.params`) and returns one gradient per input.
Shapes include the batch axis at run time; `input_shapes` given to `build` exclude it.
"""

from __future__ import annotations

import numpy as np


class Layer:
    #: the spec's layer type name ("Dense", "Conv2D" …)
    type_name: str = ""

    def __init__(self, node_id: str, params: dict, dtype=np.float32):
        self.id = node_id
        self.config = dict(params)  # canonical params (registry.LayerType.coerce_params)
        self.dtype = dtype
        self.params: dict[str, np.ndarray] = {}  # trainable arrays, e.g. {"kernel": …, "bias": …}
        self.grads: dict[str, np.ndarray] = {}  # same keys and shapes as params
        self.state: dict[str, np.ndarray] = {}  # saved but not trained (moving_mean …)
        self.input_shapes: list[tuple[int, ...]] = []
        self.output_shape: tuple[int, ...] = ()

    def build(self, input_shapes: list[tuple[int, ...]], rng: np.random.Generator) -> None:
        """Allocate and initialise parameters for these input shapes (batch axis excluded)."""
        self.input_shapes = [tuple(s) for s in input_shapes]

    def forward(self, inputs: list[np.ndarray], training: bool) -> np.ndarray:
        raise NotImplementedError

    def backward(self, grad_out: np.ndarray) -> list[np.ndarray]:
        raise NotImplementedError

    # weights.npz keys are "<node id>/<name>" over params and state
    def weight_arrays(self) -> dict[str, np.ndarray]:
        return {**self.params, **self.state}
