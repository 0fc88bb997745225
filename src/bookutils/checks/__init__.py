"""Self-checks learners run on their own code, one module per chapter.

Every check takes the learner's function, prints ✓ or a hint, and returns a truthy or
falsy :class:`bookutils.selfcheck.CheckResult`. The modules load on first use, so that
importing bookutils does not pull in, say, sympy for a chapter that never needs it.
"""

from __future__ import annotations

import importlib

_MODULE_OF = {
    "check_activation_derivative": "activations",
    "check_adam_step": "optimizers",
    "check_adamw_step": "optimizers",
    "check_adam_optimizer": "optimizers",
    "check_attention": "attention",
    "check_multi_head_attention": "attention",
    "check_pre_norm_encoder_layer": "encoder",
    "check_autograd_engine": "autograd",
    "check_clip_grad_norm": "training",
    "check_gradient_average": "parallel",
    "check_layer_norm_backward": "attention",
    "check_mlp_backward": "backprop",
    "check_mlp_gradients": "backprop",
    "check_training_loop": "backprop",
    "check_mul_backward": "autograd",
    "check_param_count": "param_count",
    "check_perceptron_predict": "perceptron",
    "check_perceptron_update": "perceptron",
    "check_row_split": "parallel",
    "check_softmax_ce_grad": "backprop",
    "check_tanh_backward": "autograd",
    "check_threshold_unit": "threshold_logic",
    "check_warmup_cosine": "training",
    "check_xor_network": "xor_network",
    "check_cross_entropy": "fashion",
    "check_add_and_norm": "encoder",
    "check_linear_to_dense": "frameworks",
    "check_mask_positions": "pretrained",
    "check_quantize_int8": "compression",
    "check_clip_per_example": "privacy",
    "check_entity_f1": "nlp",
    "check_box_iou": "vision",
    "check_ctc_collapse": "ctc",
    "check_edit_distance": "ctc",
    "check_ctc_alpha": "ctc",
    "check_token_f1": "metrics",
    "check_lora_forward": "lora",
    "check_gpt_block": "gpt",
    "check_linear_attention": "linear_attention",
    "check_two_layer_backward": "faq",
    "check_gpt_params": "faq",
    "check_early_stopping": "monitoring",
    "check_shift_image": "augment",
    "check_batchnorm_backward": "normalization",
    "check_merge_pair": "bpe",
    "check_top_p": "sampling",
    "check_kv_update": "sampling",
    "check_rope": "llama",
    "check_dpo_loss": "preference",
}
__all__ = sorted(_MODULE_OF)


def __getattr__(name: str):
    if name in _MODULE_OF:
        module = importlib.import_module(f".{_MODULE_OF[name]}", __name__)
        return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(list(globals()) + __all__)
