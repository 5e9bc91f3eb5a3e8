"""Network Designer: draw a neural network, train it on real data while watching it learn, ship it."""

__version__ = "0.1.0"
