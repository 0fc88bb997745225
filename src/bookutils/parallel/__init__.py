"""Parallel and distributed training (chapters 2.3, 9.3).

=======================  ===========================================================
module                   what it holds (chapters)
=======================  ===========================================================
``simulated``            data and tensor parallelism in one process, ring all-reduce (2.3)
``distributed``          a ``torch.distributed`` launcher and the DDP jobs (2.3)
``jobs``                 ZeRO-1 and FSDP jobs next to plain DDP (9.3)
``torchrun``             the data-parallel jobs under torchrun, one or several machines (2.3, 9.3)
=======================  ===========================================================
"""
