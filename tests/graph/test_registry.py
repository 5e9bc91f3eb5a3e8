import math

import pytest

from designer.engine.registry import ACTIVATIONS, LAYER_TYPES, LOSSES, OPTIMIZERS, coerce_choice_params
from designer.errors import ParamError


def test_spec_names_are_all_present():
    assert set(LAYER_TYPES) >= {"Input", "Dense", "Activation", "Dropout", "BatchNormalization", "Flatten",
                                "Conv2D", "MaxPooling2D", "Add", "Concatenate"}
    assert set(ACTIVATIONS) >= {"linear", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "softmax"}
    assert set(LOSSES) == {"categorical_crossentropy", "binary_crossentropy", "hinge", "mean_absolute_error",
                           "mean_squared_error", "huber"}
    assert set(OPTIMIZERS) >= {"sgd", "adam", "rmsprop", "adagrad", "adamw"}


def test_spec_defaults():
    dense = LAYER_TYPES["Dense"].coerce_params({"units": 4})
    assert dense == {"units": 4, "activation": "linear", "use_bias": True,
                     "kernel_initializer": "glorot_uniform", "bias_initializer": "zeros"}
    assert LAYER_TYPES["BatchNormalization"].coerce_params({}) == {"momentum": 0.99, "epsilon": 0.001}
    assert coerce_choice_params(OPTIMIZERS, "sgd", {}, "o")["learning_rate"] == 0.01


@pytest.mark.parametrize(
    "ltype,params,where,msg",
    [
        ("Dense", {"units": "many"}, "params.units", 'must be a positive integer, got "many"'),
        ("Dense", {"units": 0}, "params.units", "positive integer"),
        ("Dense", {"units": True}, "params.units", "positive integer"),
        ("Dense", {}, "params.units", "is required"),
        ("Dropout", {"rate": 1.0}, "params.rate", "< 1"),
        ("Dropout", {"rate": float("nan")}, "params.rate", "finite"),
        ("Conv2D", {"filters": 2, "kernel_size": [1, 2, 3]}, "params.kernel_size", "pair"),
        ("Conv2D", {"filters": 2, "padding": "full"}, "params.padding", "valid, same"),
        ("Input", {"shape": [0]}, "params.shape", "integers from 1"),
        ("Input", {"shape": [100000, 100000]}, "params.shape", "integers from 1"),
        ("Input", {"shape": [16000, 16000]}, "params.shape", "limit"),
        ("Dense", {"units": 3, "activation": "elu", "activation_params": {"alpha": "x"}},
         "params.activation_params.alpha", "number"),
    ],
)
def test_bad_params_name_the_place(ltype, params, where, msg):
    with pytest.raises(ParamError) as err:
        LAYER_TYPES[ltype].coerce_params(params, "params")
    assert err.value.where == where
    assert msg in err.value.message


def test_kernel_size_pair_is_canonical():
    p = LAYER_TYPES["Conv2D"].coerce_params({"filters": 2, "kernel_size": [3, 3]})
    assert p["kernel_size"] == 3
    p = LAYER_TYPES["Conv2D"].coerce_params({"filters": 2, "kernel_size": [3, 5]})
    assert p["kernel_size"] == [3, 5]


def test_same_padding_shapes_match_tensorflow():
    conv = LAYER_TYPES["Conv2D"]
    for size in range(1, 12):
        for s in (1, 2, 3):
            p = conv.coerce_params({"filters": 1, "kernel_size": 3, "strides": s, "padding": "same"})
            assert conv.output_shape(p, [(size, size, 1)])[:2] == (math.ceil(size / s),) * 2
