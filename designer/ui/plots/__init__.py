"""Live training plots (pyqtgraph). Import submodules directly; the grids they draw are computed in the
core (`designer.training.probes`), in the training process."""
