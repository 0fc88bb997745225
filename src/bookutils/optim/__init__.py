"""Optimisation (chapters 3.2, 3.3): update rules, schedules, regularisation.

=======================  ===========================================================
module                   what it holds (chapters)
=======================  ===========================================================
``optimizers``           SGD … AdamW from scratch, as in ``torch.optim`` (3.2)
``second_order``         Newton and quasi-Newton minimisers in NumPy (3.2)
``schedules``            learning-rate schedules, warm-up + cosine (3.3)
``regularization``       weight decay, dropout, clipping, accumulation (3.3)
``loss_surfaces``        2-D test functions for watching optimizers move (3.2)
``schedule_explorer``    SGD on a noisy quadratic under a schedule, exactly (3.3)
=======================  ===========================================================
"""
