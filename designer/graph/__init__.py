"""The user's network: nodes, edges, parameters, shape inference. Pure Python, no Qt."""

from designer.graph.model import Analysis, Graph, Node, Problem
from designer.graph.signal import Signal

__all__ = ["Analysis", "Graph", "Node", "Problem", "Signal"]
