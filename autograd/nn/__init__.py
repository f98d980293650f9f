"""Models: the `Module` base, micrograd's scalar networks, tensor layers, initialisers and losses.

    module.py   Module: parameters found by looking, train/eval, state_dict, save/load
    init.py     initialisers (normal, Xavier, He) and a global seed
    losses.py   mse_loss, cross_entropy, binary_cross_entropy, hinge_loss
    scalar.py   Neuron, Layer, MLP of Values (micrograd-compatible)
    layers.py   Linear, Sequential, ReLU, Sigmoid, Tanh: tensor layers
"""

from autograd.nn import init
from autograd.nn.layers import Linear, ReLU, Sequential, Sigmoid, Tanh
from autograd.nn.losses import binary_cross_entropy, cross_entropy, hinge_loss, mse_loss
from autograd.nn.module import Module
from autograd.nn.scalar import MLP, Layer, Neuron

__all__ = ["Module", "Neuron", "Layer", "MLP", "Linear", "Sequential", "ReLU", "Sigmoid", "Tanh", "init",
           "mse_loss", "cross_entropy", "binary_cross_entropy", "hinge_loss"]
