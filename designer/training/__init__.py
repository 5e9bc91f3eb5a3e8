"""The fit loop (events, pause/stop/step, early stopping, schedules, NaN guard, histograms) and metrics.
Plain Python + NumPy: never imports Qt."""

from designer.training.control import TrainingControl
from designer.training.events import BatchEnd, EpochEnd, TrainingFinished, TrainingResult, TrainingStarted
from designer.training.trainer import Trainer

__all__ = [
    "BatchEnd", "EpochEnd", "Trainer", "TrainingControl", "TrainingFinished", "TrainingResult", "TrainingStarted",
]
