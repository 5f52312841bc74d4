"""Colour difference as people with and without red-green colour blindness see it.

Simulation: Machado, Oliveira and Fernandes (2009), severity 1.0, applied in linear sRGB;
difference: CIE76 (Euclidean distance in CIELAB, D65). Independent of the palette module
it checks.
"""

from __future__ import annotations

import numpy as np

PROTAN = np.array(
    [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
     [-0.003882, -0.048116, 1.051998]]
)  # fmt: skip
DEUTAN = np.array(
    [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
     [-0.011820, 0.042940, 0.968881]]
)  # fmt: skip
_XYZ = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]])
_WHITE = np.array([0.95047, 1.0, 1.08883])


def _linear(colour: str) -> np.ndarray:
    c = np.array([int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)])
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def _lab(rgb: np.ndarray) -> np.ndarray:
    x, y, z = (_XYZ @ np.clip(rgb, 0, 1)) / _WHITE

    def f(t: float) -> float:
        return float(np.cbrt(t)) if t > 0.008856 else 7.787 * t + 16 / 116

    fx, fy, fz = f(x), f(y), f(z)
    return np.array([116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)])


def difference(a: str, b: str) -> float:
    """The smallest CIE76 difference of two colours under normal, protan and deutan vision."""
    la, lb = _linear(a), _linear(b)
    return min(
        float(np.linalg.norm(_lab(m @ la) - _lab(m @ lb))) for m in (np.eye(3), PROTAN, DEUTAN)
    )
