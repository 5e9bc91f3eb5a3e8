"""The network canvas: scene mirroring the Graph, node/port/edge items, and the view widget."""
