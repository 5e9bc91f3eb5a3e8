"""Batch normalisation over the last axis (features of a vector, channels of an image), Keras semantics.

Training normalises with the batch's mean and biased variance and updates the moving statistics as
`moving = moving·momentum + batch·(1 − momentum)`; inference uses the moving statistics.
"""

from __future__ import annotations

import numpy as np

from designer.engine.layer_base import Layer


class BatchNormalization(Layer):
    type_name = "BatchNormalization"
    need_input_grad = True  # set by the network; False skips dx

    def build(self, input_shapes, rng):
        super().build(input_shapes, rng)
        c = self.input_shapes[0][-1]
        self.output_shape = self.input_shapes[0]
        self.momentum = float(self.config.get("momentum", 0.99))
        self.epsilon = float(self.config.get("epsilon", 0.001))
        self.params = {"gamma": np.ones(c, dtype=self.dtype), "beta": np.zeros(c, dtype=self.dtype)}
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}
        self.state = {"moving_mean": np.zeros(c, dtype=self.dtype), "moving_variance": np.ones(c, dtype=self.dtype)}

    def forward(self, inputs, training):
        x = inputs[0]
        axes = tuple(range(x.ndim - 1))
        self._training = training
        if training:
            mean = x.mean(axis=axes)
            centred = x - mean
            var = np.mean(centred * centred, axis=axes)  # biased, as Keras uses for both paths
            m = self.momentum
            # In place, so anything holding these arrays (an optimizer, the weights dict) sees the update.
            self.state["moving_mean"] *= m
            self.state["moving_mean"] += (1 - m) * mean
            self.state["moving_variance"] *= m
            self.state["moving_variance"] += (1 - m) * var
        else:
            mean = self.state["moving_mean"]
            var = self.state["moving_variance"]
            centred = x - mean
        inv_std = (1 / np.sqrt(var + self.epsilon)).astype(x.dtype, copy=False)
        xhat = centred * inv_std
        self._xhat = xhat
        self._inv_std = inv_std
        return xhat * self.params["gamma"] + self.params["beta"]

    def backward(self, grad_out):
        g = grad_out
        axes = tuple(range(g.ndim - 1))
        xhat = self._xhat
        np.sum(g * xhat, axis=axes, out=self.grads["gamma"])
        np.sum(g, axis=axes, out=self.grads["beta"])
        if not self.need_input_grad:
            return [None]
        scale = self.params["gamma"] * self._inv_std
        if not self._training:
            return [g * scale]  # statistics are constants at inference
        m = g.size // g.shape[-1]
        # d/dx of gamma·(x − μ)/σ with μ, σ² taken from this batch.
        dx = scale * (g - (self.grads["beta"] + xhat * self.grads["gamma"]) / m)
        return [dx.astype(g.dtype, copy=False)]
