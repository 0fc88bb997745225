"""Self-checks learners run on their own code, one module per chapter."""

from .perceptron import check_perceptron_predict, check_perceptron_update

__all__ = ["check_perceptron_predict", "check_perceptron_update"]
