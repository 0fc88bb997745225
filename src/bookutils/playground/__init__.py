"""The training playground (chapters 2.1, 4.1): a small network you train live.

=======================  ===========================================================
module                   what it holds
=======================  ===========================================================
``engine``               ``PlaygroundConfig``, ``PlaygroundModel``: NumPy only
``view``                 pictures of a model, live or as scrubbable frames
``widget``               ``playground()``, the live widget (ipywidgets)
=======================  ===========================================================

The engine imports neither the view nor the widget.
"""
