"""The concepts Help ▸ Concepts lists and F1 explains: short texts written for this app, a place in the app
where each can be seen, and (for some) a small picture computed from the engine itself.

`lookup(text)` finds a concept by its key, its title or one of its aliases, whatever the case, spacing,
underscores or trailing punctuation ("Learning rate:" → learning_rate), so a field's label, a layer type or
an activation's name all lead to their explanation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from designer.engine.registry import types_with_role


@dataclass(frozen=True)
class Concept:
    key: str
    title: str
    text: str
    where: str  # a key of PLACES: where the app shows it
    aliases: tuple[str, ...] = ()
    picture: str | None = None  # a key `picture(...)` can draw
    see_also: tuple[str, ...] = ()


# Where to see things; the window knows how to take the user to each (designer/ui/concepts_help.py).
PLACES: dict[str, str] = {
    "canvas": "the Design tab: the network as boxes and arrows",
    "palette": "the Layers panel on the left",
    "properties": "the Properties panel: the selected layer's settings",
    "summary": "the Summary panel: shapes and parameter counts",
    "problems": "the Problems panel",
    "data": "the Data tab",
    "training.loss": "the Training panel ▸ Loss",
    "training.optimizer": "the Training panel ▸ Optimizer",
    "training.learning_rate": "the Training panel ▸ Learning rate",
    "training.epochs": "the Training panel ▸ Epochs",
    "training.batch_size": "the Training panel ▸ Batch size",
    "training.seed": "the Training panel ▸ Seed",
    "training.l2": "the Training panel ▸ L1 / L2",
    "training.early": "the Training panel ▸ Early stopping",
    "training.schedule": "the Training panel ▸ LR schedule",
    "dashboard.training": "the Dashboard ▸ Training tab: loss and accuracy per epoch",
    "dashboard.activations": "the Dashboard ▸ Activations tab",
    "dashboard.norms": "the Dashboard ▸ Weights & gradients tab",
    "dashboard.boundary": "the Dashboard ▸ Decision boundary tab",
    "dashboard.evaluation": "the Dashboard ▸ Evaluation tab",
    "dashboard.overfitting": "the Dashboard ▸ Overfitting tab",
    "neurons": "the Neurons tab: every unit and weight",
    "lr_finder": "Train ▸ Find learning rate…",
    "experiments": "Train ▸ Experiments…: sweeps and the overfitting lab",
    "export": "File ▸ Export…",
}


def _c(key, title, text, where, aliases=(), picture=None, see_also=()) -> Concept:
    return Concept(key, title, " ".join(text.split()), where, tuple(aliases), picture, tuple(see_also))


_ACTIVATION_TEXT = {
    "linear": ("Linear (no activation)", "f(x) = x. The unit's weighted sum passes unchanged. Right for a "
               "regression output; in hidden layers it adds nothing, since a stack of linear layers is still one "
               "linear map.", ("identity", "no activation")),
    "sigmoid": ("Sigmoid", "f(x) = 1 / (1 + e^−x), between 0 and 1: the probability of a yes/no output (with "
                "binary cross-entropy). Its slope is at most 0.25 and nearly 0 for large |x|, so gradients shrink "
                "layer after layer in deep sigmoid stacks (vanishing gradients).", ("logistic",)),
    "tanh": ("Tanh", "f(x) = tanh(x), between −1 and 1 and centred on zero, which helps the next layer. Like "
             "the sigmoid it saturates: for large |x| its slope is almost 0.", ("hyperbolic tangent",)),
    "relu": ("ReLU", "f(x) = max(0, x). Cheap, and its slope is exactly 1 for every positive input, so gradients "
             "pass through deep stacks undiminished. A unit whose input is negative for every row outputs 0 and "
             "gets no gradient: it has \"died\".", ("rectified linear unit",)),
    "leaky_relu": ("Leaky ReLU", "f(x) = x for x > 0, a small slope × x otherwise (0.01 by default): a ReLU "
                   "that keeps a little gradient for negative inputs, so its units cannot die.", ()),
    "elu": ("ELU", "f(x) = x for x > 0, α(e^x − 1) otherwise: smooth at zero, with negative outputs down to −α "
            "that keep the layer's mean near zero.", ("exponential linear unit",)),
    "softmax": ("Softmax", "Turns a layer's outputs into probabilities: e^xᵢ / Σ e^xⱼ, all positive and summing "
                "to 1. The output of a multi-class classifier, with categorical cross-entropy; the predicted "
                "class is the largest.", ()),
    "gelu": ("GELU", "f(x) = x·Φ(x), Φ the normal distribution's CDF (here its tanh approximation): a smooth "
             "ReLU that lets small negative values through, used in transformers.", ()),
    "silu": ("SiLU / Swish", "f(x) = x·sigmoid(x): smooth, slightly negative for negative inputs, close to ReLU "
             "for large ones.", ("swish",)),
    "softplus": ("Softplus", "f(x) = log(1 + e^x): a smooth ReLU whose output is always positive; its slope is "
                 "the sigmoid.", ()),
}

_LOSS_TEXT = {
    "categorical_crossentropy": ("Categorical cross-entropy", "−log of the probability the network gave the "
                                 "true class, averaged over the rows. With a softmax output: the loss for "
                                 "several classes. It punishes confident mistakes hardest.",
                                 ("cross entropy", "crossentropy", "log loss")),
    "binary_crossentropy": ("Binary cross-entropy", "−[y·log p + (1 − y)·log(1 − p)] for a yes/no target y and "
                            "the predicted probability p of one sigmoid unit.", ("bce",)),
    "hinge": ("Hinge loss", "max(0, 1 − y·ŷ) with the target y = ±1: zero once a row is on the right side with a "
              "margin of 1, the loss of support vector machines.", ()),
    "mean_absolute_error": ("Mean absolute error (MAE)", "The average of |y − ŷ|. Every unit of error costs the "
                            "same, so a few outliers pull the fit little: it predicts a median. Its gradient has "
                            "the same size for small errors as for large ones.", ("mae", "l1 loss", "absolute")),
    "mean_squared_error": ("Mean squared error (MSE)", "The average of (y − ŷ)². Large errors cost far more than "
                           "small ones, so it predicts a mean, and outliers pull the fit toward them.",
                           ("mse", "l2 loss", "squared", "squared error")),
    "huber": ("Huber loss", "Squared for errors smaller than δ, absolute beyond: as smooth as MSE near the target "
              "and as calm as MAE about outliers. δ says where it turns.", ("huber loss", "delta")),
}



_OPTIMIZER_TEXT = {
    "sgd": ("SGD (stochastic gradient descent)", "Each batch moves every weight against its gradient: w ← w − "
            "learning rate × gradient. With momentum it keeps a running velocity, which smooths the path and "
            "speeds it along long valleys.", ("momentum", "stochastic gradient descent")),
    "adam": ("Adam", "Keeps a running mean of each weight's gradient and of its square, and steps by their ratio: "
             "every weight gets its own step size. Forgiving about the learning rate; 0.001 is the usual start.",
             ()),
    "adamw": ("AdamW", "Adam with weight decay applied to the weights directly instead of through the gradient, "
              "which regularises more predictably than L2 with Adam.", ("weight decay",)),
    "rmsprop": ("RMSprop", "Divides each gradient by a running root-mean-square of its recent values, so steep "
                "and flat directions get similar step sizes.", ()),
    "adagrad": ("Adagrad", "Divides each weight's step by the root of the sum of all its past squared gradients: "
                "often-updated weights slow down, rare ones keep large steps. The steps shrink for good.", ()),
}

_GENERAL = [
    _c("layer", "Layer", """A step of the network that turns its input into a new representation: Dense,
       convolution, pooling, dropout … Drag them from the Layers panel onto the canvas and connect them; the
       Properties panel shows the selected layer's settings.""", "palette", ("layers", "network", "model",
                                                                            "architecture")),
    _c("training", "Training", """Repeat for every epoch, for every batch: the forward pass computes the
       outputs and the loss, backpropagation the gradients, the optimizer updates the weights. Each
       epoch ends with the loss and metrics measured on the validation rows.""", "training.epochs",
       ("train", "training loop", "fit", "forward pass"), see_also=("epoch", "batch", "backpropagation")),
    _c("loss_curve", "Loss curves", """Loss per epoch on the training rows and on the validation rows. Both
       falling: keep going. Training falling, validation rising: overfitting. Jumping or rising from the start:
       the learning rate is too high. Barely moving: too low, or the network is too small.""",
       "dashboard.training", ("loss curve", "learning curves", "training curve", "dashboard", "curves"),
       picture="overfitting", see_also=("overfitting", "learning_rate")),
    _c("epoch", "Epoch", """One pass over all the training rows. Each epoch adds one point to the curves: the
       training loss and accuracy as the batches saw them during the epoch, and the validation loss and accuracy
       measured at its end.""",
       "training.epochs", ("epochs",), see_also=("batch", "iteration")),
    _c("batch", "Batch (mini-batch)", """The rows used for one weight update. The gradient is averaged over the
       batch: small batches give many noisy updates per epoch, large ones few smooth ones. An epoch has
       rows ÷ batch size updates.""", "training.batch_size", ("batch size", "mini-batch", "minibatch"),
       see_also=("epoch", "gradient_descent")),
    _c("iteration", "Iteration (step)", """One weight update, made from one batch. Epochs × batches per epoch
       iterations make a run.""", "training.batch_size", ("step", "update", "steps"), see_also=("batch",)),
    _c("learning_rate", "Learning rate", """How far each update moves the weights along the negative gradient.
       Too low: the loss falls very slowly. Too high: it jumps around, rises, or becomes NaN. The learning-rate
       finder shows the useful range for your network.""", "training.learning_rate", ("lr", "step size"),
       picture="learning_rate", see_also=("gradient_descent", "lr_finder", "lr_schedule")),
    _c("weight", "Weight", """A number on a connection: how strongly one input counts in a unit's sum.
       Training changes the weights to lower the loss; everything a network knows is in them.""", "neurons",
       ("weights", "kernel", "parameter", "parameters"), see_also=("bias", "initialization")),
    _c("bias", "Bias", """A number each unit adds to its weighted sum before the activation: it shifts the
       activation left or right, so the unit can respond even when all inputs are zero. Learnt like the
       weights; usually starts at 0.""", "neurons", ("biases", "intercept", "offset"), see_also=("weight",)),
    _c("neuron", "Neuron (unit)", """Computes a weighted sum of its inputs plus a bias and passes it through an
       activation. A Dense layer's `units` is how many it has.""", "neurons", ("unit", "units", "neurons"),
       see_also=("weight", "bias", "activation")),
    _c("activation", "Activation function", """The non-linear function a unit applies to its sum. Without it,
       any stack of layers is one linear map and could not learn XOR or a spiral.""", "properties",
       ("activation function", "non-linearity", "nonlinearity"), see_also=("relu", "sigmoid", "tanh")),
    _c("hidden_layer", "Hidden layer", """A layer between input and output. Each adds a new representation of
       the data; one hidden layer with enough units can already draw curved decision boundaries (XOR).""",
       "canvas", ("hidden layers", "hidden"), see_also=("neuron",)),
    _c("loss", "Loss function", """One number for how wrong the network is on some rows; training lowers it.
       Classification uses cross-entropy, regression squared, absolute or Huber error.""", "training.loss",
       ("loss function", "cost", "objective", "error"), see_also=("categorical_crossentropy",
                                                                   "mean_squared_error")),
    _c("gradient", "Gradient", """For every weight, how much the loss changes when the weight changes a little:
       the direction of steepest ascent. Backpropagation computes it; gradient descent steps against it.""",
       "dashboard.norms", ("gradients", "derivative"), see_also=("backpropagation", "gradient_descent")),
    _c("backpropagation", "Backpropagation", """The chain rule applied layer by layer from the loss back to the
       input: each layer turns the gradient of its output into the gradients of its weights and of its input,
       which it hands to the layer before. One backward pass costs about as much as a forward pass.""",
       "dashboard.norms", ("backprop", "backward pass", "chain rule"), see_also=("gradient",
                                                                                  "vanishing_gradients")),
    _c("gradient_descent", "Gradient descent", """Repeat: compute the loss's gradient, move every weight a small
       step against it (learning rate × gradient). Computed on one batch at a time it is stochastic gradient
       descent; the optimizer decides the exact step.""", "training.optimizer",
       ("descent", "optimisation", "optimization", "optimizer", "optimiser"), picture="learning_rate",
       see_also=("learning_rate", "sgd", "adam")),
    _c("overfitting", "Overfitting", """The network learns the training rows' noise instead of the pattern:
       training loss keeps falling while validation loss turns up. Remedies: more data, a smaller network,
       dropout, L2, batch normalisation, early stopping.""", "dashboard.overfitting",
       ("overfit", "over-fitting", "generalisation", "generalization"), picture="overfitting",
       see_also=("underfitting", "Dropout", "l2", "early_stopping", "learning_curve")),
    _c("underfitting", "Underfitting", """The network cannot even fit the training rows: both losses stay high.
       Give it more units or layers, train longer, or raise the learning rate.""", "dashboard.training",
       ("underfit",), see_also=("overfitting",)),
    _c("initialization", "Weight initialisation", """The random values weights start from. Too large and
       activations saturate or explode; too small and signals fade. Glorot scales by fan-in + fan-out (tanh,
       sigmoid), He by fan-in (ReLU); biases start at 0.""", "properties",
       ("initialisation", "initializer", "initialiser", "init", "glorot", "he", "xavier", "kernel initializer"),
       see_also=("weight",)),
    _c("vanishing_gradients", "Vanishing and exploding gradients", """Backpropagation multiplies one factor per
       layer. With sigmoid (slope ≤ 0.25) many layers multiply the gradient towards zero, so the first layers
       barely learn; factors above 1 make it explode instead. ReLU, good initialisation, batch normalisation
       and skip connections help.""", "dashboard.norms",
       ("vanishing gradient", "exploding gradients", "exploding gradient"), see_also=("relu", "sigmoid")),
    _c("l2", "L1 and L2 regularisation", """A penalty added to the loss: L2 adds λ·Σw², pulling every weight
       towards zero (weight decay); L1 adds λ·Σ|w|, pushing many to exactly zero. Smaller weights make a
       smoother function that overfits less.""", "training.l2",
       ("l1", "regularisation", "regularization", "weight penalty", "ridge", "lasso"),
       see_also=("overfitting",)),
    _c("early_stopping", "Early stopping", """Stop training when the validation loss has not improved for
       `patience` epochs, and keep the best epoch's weights: the cheapest remedy for overfitting.""",
       "training.early", ("early stop", "patience"), see_also=("overfitting",)),
    _c("lr_schedule", "Learning-rate schedule", """Changes the learning rate as training goes on: large steps
       first, smaller ones to settle into a minimum (step decay, exponential, cosine), or lower it when the
       validation loss stalls.""", "training.schedule", ("schedule", "lr schedule", "decay"),
       see_also=("learning_rate",)),
    _c("validation", "Validation split", """Rows held out of training and measured after every epoch: they show
       how well the network does on data it has not learnt from, and choose the best epoch or settings.""",
       "data", ("validation set", "validation split", "val", "val_loss", "dev set"),
       see_also=("test_set", "overfitting")),
    _c("test_set", "Test split", """Rows kept aside until the end, used once for the final, honest score: if you
       choose settings by their test score, it stops being honest.""", "data",
       ("test", "test split", "holdout", "hold-out"), see_also=("validation",)),
    _c("scaling", "Feature scaling", """Bringing the input columns to similar ranges (standard: mean 0 and
       standard deviation 1; min-max: 0 to 1). Gradient descent is much faster when no feature dwarfs the
       others.""", "data", ("standardisation", "standardization", "normalisation", "normalization",
                            "standard scaling", "minmax"), see_also=tuple(types_with_role("normalization"))),
    _c("one_hot", "One-hot encoding", """A class written as a vector with a 1 at its own position and 0
       elsewhere (3 classes: [0, 1, 0]). The form cross-entropy compares the softmax output with.""", "data",
       ("one hot", "onehot", "categorical"), see_also=("softmax", "categorical_crossentropy")),
    _c("accuracy", "Accuracy", """The share of rows whose predicted class is right. Easy to read, but on
       unbalanced classes a model that always says the majority class can score high.""",
       "dashboard.training", ("acc", "val_accuracy"), see_also=("confusion_matrix",)),
    _c("confusion_matrix", "Confusion matrix", """A table of true class (rows) against predicted class
       (columns): the diagonal holds the right answers, every other cell a kind of mistake.""",
       "dashboard.evaluation", ("confusion", "precision", "recall", "f1"), see_also=("accuracy",)),
    _c("r2", "R² (coefficient of determination)", """1 − (squared error of the model) / (squared error of always
       predicting the mean): 1 is perfect, 0 is no better than the mean, below 0 worse.""",
       "dashboard.training", ("r squared", "r^2", "coefficient of determination"), see_also=("mean_squared_error",)),
    _c("decision_boundary", "Decision boundary", """Where the predicted class changes, drawn over the plane for
       data with two features. A network with no hidden layer can only draw a straight line.""",
       "dashboard.boundary", ("boundary",), see_also=("hidden_layer",)),
    _c("seed", "Random seed", """The number the random generator starts from: the same seed gives the same
       initial weights, splits and batch order, so a run can be repeated exactly.""", "training.seed",
       ("random seed", "random state"), see_also=("initialization",)),
    _c("lr_finder", "Learning-rate finder", """Trains a copy of the network for about a hundred batches while
       the learning rate rises exponentially, and plots loss against rate. The useful rates are where the
       loss falls fastest, well before it shoots up.""", "lr_finder", ("lr range test", "range test",
                                                                       "find learning rate"),
       see_also=("learning_rate",)),
    _c("hyperparameter", "Hyperparameter and sweep", """A setting chosen before training (learning rate, units,
       dropout, batch size, optimizer), not learnt. A sweep trains one run per combination, all from the same
       initial weights, and compares their best validation scores.""", "experiments",
       ("hyperparameters", "sweep", "grid search", "random search", "experiment", "experiments"),
       see_also=("validation",)),
    _c("learning_curve", "Learning curve", """The validation score against the amount of training data. Still
       rising at 100 %: more data would help. Flat: the data is not the limit.""", "experiments",
       ("more data", "data size"), see_also=("overfitting",)),
    _c("skip_connection", "Skip (residual) connection", """An edge that jumps over some layers and is added back
       with an Add layer: the block only has to learn a correction, and gradients reach early layers
       directly.""", "canvas", ("residual", "residual connection", "shortcut"), see_also=("Add",)),
    _c("shape", "Shape", """The size of a layer's output for one row, e.g. (16,) for 16 units or (8, 8, 16) for
       16 feature maps of 8 × 8. The Summary lists each layer's shape and parameter count.""", "summary",
       ("output shape", "tensor", "dimensions"), see_also=("Dense",)),
    _c("export", "Export and deployment", """A trained network leaves the app as ONNX, a standalone NumPy
       predictor, PyTorch or Keras code; each carries the data preparation, so it takes raw rows.""", "export",
       ("deploy", "deployment", "onnx"), ()),
]


def _build() -> dict[str, Concept]:
    from designer.engine.registry import ACTIVATIONS, LAYER_TYPES, LOSSES, OPTIMIZERS

    concepts: dict[str, Concept] = {c.key: c for c in _GENERAL}
    for name, (title, text, aliases) in _ACTIVATION_TEXT.items():
        label = ACTIVATIONS[name].label
        concepts[name] = _c(name, title, text, "properties", (label, *aliases), picture=f"activation:{name}",
                            see_also=("activation",))
    for name, (title, text, aliases) in _LOSS_TEXT.items():
        label = LOSSES[name].label
        concepts[name] = _c(name, title, text, "training.loss", (label, *aliases), picture=f"loss:{name}",
                            see_also=("loss",))
    for name, (title, text, aliases) in _OPTIMIZER_TEXT.items():
        label = OPTIMIZERS[name].label
        concepts[name] = _c(name, title, text, "training.optimizer", (label, *aliases),
                            see_also=("gradient_descent", "learning_rate"))
    for name, ltype in LAYER_TYPES.items():  # each layer type declares its own entry
        if ltype.concept is not None:
            title, text, where = ltype.concept
            concepts[name] = _c(name, title, text, where, ltype.aliases, see_also=ltype.see_also)
    return concepts


CONCEPTS: dict[str, Concept] = _build()


def normalise(text: str) -> str:
    """"Learning rate:" / "learning_rate" / " LEARNING-RATE " → "learning rate"; "&Dropout" → "dropout"."""
    text = text.replace("&", "").strip().lower()
    text = re.sub(r"[_\-\s]+", " ", text)
    return text.strip(" :.…?!")


def _index() -> dict[str, str]:
    index: dict[str, str] = {}
    for concept in CONCEPTS.values():
        for word in (concept.key, concept.title, *concept.aliases):
            index.setdefault(normalise(word), concept.key)
    return index


_INDEX = _index()


def lookup(text: str | None) -> Concept | None:
    """The concept a word or label names, or None."""
    if not text:
        return None
    if text in CONCEPTS:  # a key as written: "Activation" (the layer) before "activation" (the function)
        return CONCEPTS[text]
    word = normalise(text)
    if word in _INDEX:
        return CONCEPTS[_INDEX[word]]
    short = re.sub(r"\s*\(.*\)$", "", word)  # "dense layer (16 units)" → "dense layer"
    return CONCEPTS[_INDEX[short]] if short in _INDEX else None


def ordered() -> list[Concept]:
    """All concepts, alphabetically by title (the Help ▸ Concepts list)."""
    return sorted(CONCEPTS.values(), key=lambda c: c.title.lower())


# ---------------------------------------------------------------------------------------------- pictures
def picture(key: str | None) -> dict | None:
    """Curves for a concept's picture, computed with the engine's own functions:
    {"title", "x_label", "y_label", "series": [(name, xs, ys), …]}; None when there is no picture."""
    if not key:
        return None
    kind, _, name = key.partition(":")
    if kind == "activation":
        return _activation_picture(name)
    if kind == "loss":
        return _loss_picture(name)
    if kind == "learning_rate":
        return _learning_rate_picture()
    if kind == "overfitting":
        return _overfitting_picture()
    return None


def _activation_picture(name: str) -> dict:
    from designer.engine.activations import get_activation

    x = np.linspace(-4, 4, 161, dtype=np.float32)
    act = get_activation(name)
    if name == "softmax":  # of a pair (x, 0): the first class's probability as x moves
        pair = np.stack([x, np.zeros_like(x)], axis=1)
        y = act.forward(pair.copy(), np.empty_like(pair))[:, 0]
        return {"title": "softmax of (x, 0), first output", "x_label": "x", "y_label": "p",
                "series": [("softmax", x.tolist(), y.tolist())]}
    col = x.reshape(-1, 1)
    y = np.array(act.forward(col.copy(), np.empty_like(col)), copy=True)
    slope = act.backward(col.copy(), y.copy(), np.ones_like(col)).reshape(-1)  # the engine's own derivative
    return {"title": f"{name}(x) and its slope", "x_label": "x", "y_label": "f(x)",
            "series": [(name, x.tolist(), y.reshape(-1).tolist()), ("slope", x.tolist(), slope.tolist())]}


def _loss_picture(name: str) -> dict:
    from designer.engine.losses import encode_targets, get_loss

    loss = get_loss(name)
    if name in ("categorical_crossentropy", "binary_crossentropy", "hinge"):
        p = np.linspace(0.01, 0.99, 99, dtype=np.float32)
        if name == "categorical_crossentropy":
            pred = np.stack([p, 1 - p], axis=1)
            target = encode_targets(name, np.zeros(1, dtype=np.int64), 2)
            ys = [loss.forward(pred[i:i + 1], target) for i in range(len(p))]
            label = "probability given to the true class"
        elif name == "binary_crossentropy":
            target = np.ones((1, 1), dtype=np.float32)
            ys = [loss.forward(p[i:i + 1].reshape(1, 1), target) for i in range(len(p))]
            label = "predicted probability of the true answer"
        else:
            p = np.linspace(-2, 2, 81, dtype=np.float32)
            target = np.ones((1, 1), dtype=np.float32)
            ys = [loss.forward(p[i:i + 1].reshape(1, 1), target) for i in range(len(p))]
            label = "output ŷ for a target y = +1"
        return {"title": f"{name} for one row", "x_label": label, "y_label": "loss",
                "series": [(name, p.tolist(), [float(v) for v in ys])]}
    err = np.linspace(-3, 3, 121, dtype=np.float32)
    target = np.zeros((1, 1), dtype=np.float32)
    ys = [loss.forward(err[i:i + 1].reshape(1, 1), target) for i in range(len(err))]
    return {"title": f"{name} against the error", "x_label": "error ŷ − y", "y_label": "loss",
            "series": [(name, err.tolist(), [float(v) for v in ys])]}


def _learning_rate_picture() -> dict:
    """Gradient descent on f(w) = w² from w = 1 with three rates: too low, good, too high."""
    series = []
    for label, lr in (("too low (0.02)", 0.02), ("good (0.3)", 0.3), ("too high (1.05)", 1.05)):
        w, losses = 1.0, []
        for _ in range(20):
            losses.append(w * w)
            w -= lr * 2 * w
        series.append((label, list(range(20)), losses))
    return {"title": "loss of w² by step, three learning rates", "x_label": "step", "y_label": "loss",
            "series": series, "y_max": 1.5}


def _overfitting_picture() -> dict:
    """Polynomials of rising degree fitted by least squares to 12 noisy points: the training error falls
    towards zero while the error on fresh points (their noise, 0.2², included) rises again."""
    rng = np.random.default_rng(0)
    x = np.sort(rng.uniform(-1, 1, 12))
    xv = np.linspace(-1, 1, 200)

    def truth(v):
        return np.sin(3 * v)

    y = truth(x) + rng.normal(0, 0.2, len(x))
    degrees = list(range(0, 10))
    train, val = [], []
    for d in degrees:
        coef = np.polyfit(x, y, d)
        train.append(float(np.mean((np.polyval(coef, x) - y) ** 2)))
        val.append(float(np.mean((np.polyval(coef, xv) - truth(xv)) ** 2) + 0.04))
    return {"title": "error against model size (polynomial degree)", "x_label": "model size",
            "y_label": "error", "series": [("training", degrees, train), ("validation", degrees, val)]}
