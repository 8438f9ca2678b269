"""Hypothesis strategies for ONNX: small random graphs (MatMul, Add and an activation, random float32 weights)
built with ``onnx.helper``, fitted scikit-learn models on random data, and the strict equality of two models."""

from __future__ import annotations

import numpy as np
import onnx
from hypothesis import strategies as st
from onnx import TensorProto, helper, numpy_helper
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

Floats = np.ndarray[tuple[int, int], np.dtype[np.float32]]


def same_model(a: object, b: object) -> bool:
    """Same class and the same deterministic serialization (every node, weight and attribute)."""
    assert isinstance(a, onnx.ModelProto) and isinstance(b, onnx.ModelProto)
    return type(a) is type(b) and a.SerializeToString(deterministic=True) == b.SerializeToString(deterministic=True)


@st.composite
def models(draw: st.DrawFn) -> onnx.ModelProto:
    """``Y = act(X @ W + B)``: 1-5 inputs, 1-4 outputs, weights of arbitrary float32 bits, a random name."""
    n, k = draw(st.integers(1, 5)), draw(st.integers(1, 4))
    raw = draw(st.binary(min_size=4 * (n * k + k), max_size=4 * (n * k + k)))
    weights = np.frombuffer(raw, dtype=np.float32)
    w = numpy_helper.from_array(weights[: n * k].reshape(n, k).copy(), name="W")
    b = numpy_helper.from_array(weights[n * k :].copy(), name="B")
    activation = draw(st.sampled_from(["Relu", "Sigmoid", "Tanh", None]))
    nodes = [helper.make_node("MatMul", ["X", "W"], ["H"]), helper.make_node("Add", ["H", "B"], ["Z"])]
    if activation is not None:
        nodes.append(helper.make_node(activation, ["Z"], ["Y"]))
    out = "Y" if activation is not None else "Z"
    graph = helper.make_graph(
        nodes,
        draw(st.text(min_size=1, max_size=10)),
        [helper.make_tensor_value_info("X", TensorProto.FLOAT, [None, n])],
        [helper.make_tensor_value_info(out, TensorProto.FLOAT, [None, k])],
        initializer=[w, b],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)], producer_name="zen-tests")


@st.composite
def fitted(draw: st.DrawFn) -> tuple[object, Floats]:
    """A fitted estimator (linear, tree, or scaled in a pipeline) and the float32 data it was fitted on."""
    rows, features = draw(st.integers(8, 40)), draw(st.integers(1, 5))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    x = rng.normal(scale=draw(st.sampled_from([0.1, 1.0, 100.0])), size=(rows, features)).astype(np.float32)
    labels = (x[:, 0] > np.median(x[:, 0])).astype(np.int64)
    target = (x @ rng.normal(size=features)).astype(np.float32)
    kind = draw(st.sampled_from(["logistic", "linear", "ridge", "tree", "tree-regressor", "scaled"]))
    if kind == "logistic":
        return LogisticRegression().fit(x, labels), x
    if kind == "linear":
        return LinearRegression().fit(x, target), x
    if kind == "ridge":
        return Ridge(alpha=draw(st.sampled_from([0.1, 1.0, 10.0]))).fit(x, target), x
    if kind == "tree":
        return DecisionTreeClassifier(max_depth=3, random_state=seed).fit(x, labels), x
    if kind == "tree-regressor":
        return DecisionTreeRegressor(max_depth=3, random_state=seed).fit(x, target), x
    return make_pipeline(StandardScaler(), LogisticRegression()).fit(x, labels), x
