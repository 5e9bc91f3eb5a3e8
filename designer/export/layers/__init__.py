"""The built-in layer types' export emitters, one module per family (as in designer.engine); importing this
package registers them in designer.export.emitters' tables."""

from designer.export.layers import conv, core, merge, normalization

__all__ = ["conv", "core", "merge", "normalization"]
