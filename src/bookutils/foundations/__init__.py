"""Foundations (chapters 1, 2.2, 3.1, 4): the pieces every later chapter builds on.

=======================  ===========================================================
module                   what it holds (chapters)
=======================  ===========================================================
``threshold_logic``      the McCulloch–Pitts threshold unit (1.1, 1.2)
``perceptron``           Rosenblatt's perceptron, Novikoff's bound (4.1)
``activations``          activation functions in sympy, NumPy and torch (2.1)
``autograd``             a scalar automatic-differentiation engine, ``Value`` (2.2, 7.1, 9.1)
``expressions``          random expression trees that test the engine (2.2)
``gradcheck``            numerical gradients by central differences (3.1, 9.1)
``mlp_numpy``            a NumPy multilayer perceptron: forward, loss, backward (3.1, 4.2)
=======================  ===========================================================
"""
