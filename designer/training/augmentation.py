"""The trainer's side of image augmentation: each epoch's training images, changed afresh (seeded)."""

from __future__ import annotations

import numpy as np

from designer.data.augment import augment_images, augment_settings, is_active


class EpochAugmenter:
    """Turns the epoch's (shuffled) training inputs into augmented copies; the originals stay untouched."""

    def __init__(self, image_shape: tuple[int, ...], augment: dict):
        self.image_shape = tuple(int(s) for s in image_shape)
        if len(self.image_shape) == 2:
            self.image_shape += (1,)
        self.settings = augment_settings(augment)
        self.rng = np.random.default_rng(self.settings["seed"])

    @classmethod
    def for_data(cls, data) -> EpochAugmenter | None:
        shape, augment = getattr(data, "image_shape", None), getattr(data, "augment", None)
        if not shape or not is_active(augment):
            return None
        return cls(shape, augment)

    def epoch(self, x: np.ndarray) -> np.ndarray:
        images = x.reshape((x.shape[0],) + self.image_shape)
        return augment_images(images, self.settings, self.rng).reshape(x.shape)
