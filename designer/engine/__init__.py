"""The NumPy training engine: layers, activations, losses, initializers, optimizers and the Network.

Import from the modules themselves (`designer.engine.network.Network`, `designer.engine.losses.get_loss`);
this package imports nothing eagerly so that `designer.engine.registry` stays cheap for the graph and UI.
"""
