"""Data the book uses, all available offline: generated on the spot or read from disk.

=======================  ===========================================================
module                   what it holds (chapters)
=======================  ===========================================================
``toy``                  two-class toy sets: separable, XOR, moons, spirals (2.1, 4.1)
``fashion_mnist``        the Fashion-MNIST loader (5.1, 9.3)
``history``              milestones, eras and model sizes (1.1, 1.3)
``corpus``               offline text and a character tokenizer (5.3)
``sequence_tasks``       a small sequence-classification task (5.2)
=======================  ===========================================================
"""

from .fashion_mnist import FASHION_MNIST_CLASSES, load_fashion_mnist
from .toy import make_moons, make_separable, make_spirals, make_xor, xor_truth_table

__all__ = [
    "FASHION_MNIST_CLASSES",
    "load_fashion_mnist",
    "make_moons",
    "make_separable",
    "make_spirals",
    "make_xor",
    "xor_truth_table",
]
