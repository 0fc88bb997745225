"""Training techniques (chapters 3.3, 5.7, 8, 9): watching, saving memory, pre-training.

=======================  ===========================================================
module                   what it holds (chapters)
=======================  ===========================================================
``loop``                 ``fit``: the one torch training loop (5, 8, 9, parallel jobs)
``monitoring``           divergence, early stopping, gradient alarms (9.3)
``mixed_precision``      dynamic loss scaling (9.3)
``augment``              preprocessing and augmentation of grey images (9.3)
``self_supervised``      masked-input pre-training, fine-tuning, transfer (8.3, 9.2)
``contrastive``          the CLIP-style contrastive loss (8.1)
``compression``          int8 quantisation, pruning, distillation (8.1)
``privacy``              DP-SGD and membership inference (8.2)
``interpretability``     gradient saliency (8.2)
``initialization``       Xavier/He rules, per-layer activation and gradient statistics (3.4)
``normalization``        batch normalisation forward (train/eval) and backward (3.4)
``preference``           the DPO loss and the KL drift from a reference model (5.7)
=======================  ===========================================================
"""
