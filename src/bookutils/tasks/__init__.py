"""Applications (chapters 5.1, 6, 7.1): classification, language, vision, speech.

=======================  ===========================================================
module                   what it holds (chapters)
=======================  ===========================================================
``classification``       tensors, subsets and weight copying for a classifier (5.1)
``nlp``                  tokens, vocabularies, BIO tags, generated corpora (6.1)
``vision``               a from-scratch convolution, boxes, synthetic images (6.2)
``speech``               synthetic speech-like audio and its features (6.3)
``ctc``                  connectionist temporal classification (6.3)
``bigram_lm``            a character bigram model that corrects an acoustic model (6.3)
``frameworks``           one network in PyTorch, TensorFlow and Keras 3 (7.1)
=======================  ===========================================================
"""
