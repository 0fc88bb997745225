"""Live explorers built on ipywidgets.

Core code (models, optimizers, training, data, metrics) never imports this package.

=======================  ===========================================================
module                   what it holds (chapters)
=======================  ===========================================================
``perceptron``           the perceptron explorer (4.1)
``neuron``               one neuron's output surface (2.1)
``optimizer``            an optimizer's path on a loss surface (3.2)
``live_figure``          a figure redrawn from sliders: the live twin of a scrub figure
``sampling``             the next-token distribution under temperature/top-k/top-p (5.5)
``display``              a widget shown live in a kernel and as a labelled picture in the HTML
=======================  ===========================================================
"""
