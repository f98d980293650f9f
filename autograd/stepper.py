"""The chain-rule stepper's old address: it lives in `autograd.explain.stepper`."""

from autograd.explain.stepper import stepper_fragment, stepper_page

__all__ = ["stepper_page", "stepper_fragment"]
