"""Live training plots (pyqtgraph). Import submodules directly.

Kept empty on purpose: `designer.ui.plots.boundary` is imported from the training thread and must not
pull Qt in through this package.
"""
