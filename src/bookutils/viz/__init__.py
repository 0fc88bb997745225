"""Figures: the book's style and the drawing helpers chapters share.

Core code (models, optimizers, training, data, metrics) never imports this package.

=======================  ===========================================================
module                   what it holds (chapters)
=======================  ===========================================================
``plotting``             the figure style, ``new_figure``, points and boundaries (all)
``scrub``                scrubbable PNG frames with a slider (2.1, 3.2, 4.1, 5.1)
``graph``                the computational graph of an autograd ``Value`` (2.2, 7.1)
=======================  ===========================================================
"""
