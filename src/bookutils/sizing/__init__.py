"""Sizing a model (chapters 1.3, 8.1, 8.2): parameters, FLOPs, memory, time, scaling laws.

=======================  ===========================================================
module                   what it holds (chapters)
=======================  ===========================================================
``param_count``          parameters and training FLOPs by hand (1.3, 5.3, 7.2, 8-9)
``compute``              compute, memory, time and energy of a training run (8.2)
``scaling``              power laws fitted in log-log space (8.1)
=======================  ===========================================================
"""
