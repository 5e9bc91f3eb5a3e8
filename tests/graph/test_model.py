import pytest

from designer.errors import ConnectionRefused, CycleError, GraphError, ParamError, ShapeError
from designer.graph import Graph


def chain(*specs):
    g = Graph()
    ids = [g.add_node(t, p).id for t, p in specs]
    for a, b in zip(ids, ids[1:]):
        g.connect(a, b)
    return g, ids


def test_keras_style_names_and_shapes():
    g, ids = chain(("Input", {"shape": [4]}), ("Dense", {"units": 8}), ("Dense", {"units": 3}))
    assert ids == ["input_1", "dense_1", "dense_2"]
    a = g.analyze()
    assert a.ok
    assert a.shapes == {"input_1": (4,), "dense_1": (8,), "dense_2": (3,)}
    assert a.params == {"input_1": 0, "dense_1": 4 * 8 + 8, "dense_2": 8 * 3 + 3}
    assert a.total_params == 67


def test_signals_follow_every_edit():
    g = Graph()
    seen = []
    g.node_added.connect(lambda n: seen.append(("add", n.id)))
    g.edge_added.connect(lambda s, d: seen.append(("edge", s, d)))
    g.params_changed.connect(lambda n: seen.append(("param", n)))
    g.node_removed.connect(lambda n: seen.append(("remove", n)))
    g.edge_removed.connect(lambda s, d: seen.append(("unedge", s, d)))
    g.add_node("Input", {"shape": [2]})
    g.add_node("Dense")
    g.connect("input_1", "dense_1")
    g.set_param("dense_1", "units", 5)
    g.remove_node("input_1")
    assert seen == [
        ("add", "input_1"), ("add", "dense_1"), ("edge", "input_1", "dense_1"), ("param", "dense_1"),
        ("unedge", "input_1", "dense_1"), ("remove", "input_1"),
    ]


def test_cycle_is_refused_with_reason():
    g, ids = chain(("Input", {"shape": [2]}), ("Dense", {"units": 2}), ("Dense", {"units": 2}))
    with pytest.raises(CycleError, match="cycle"):
        g.connect("dense_2", "dense_1")
    with pytest.raises(CycleError):
        g.connect("dense_1", "dense_1")


def test_second_input_into_single_input_layer_is_refused():
    g, _ = chain(("Input", {"shape": [2]}), ("Dense", {"units": 2}))
    g.add_node("Dense", {"units": 2})
    with pytest.raises(ConnectionRefused, match="single input"):
        g.connect("dense_2", "dense_1")
    with pytest.raises(ConnectionRefused, match="Input"):
        g.connect("dense_2", "input_1")
    with pytest.raises(ConnectionRefused, match="already connected"):
        g.connect("input_1", "dense_1")


def test_residual_add_and_concatenate_shapes():
    g = Graph()
    g.add_node("Input", {"shape": [6]})
    g.add_node("Dense", {"units": 6})
    g.add_node("Add")
    g.add_node("Concatenate")
    g.connect("input_1", "dense_1")
    g.connect("dense_1", "add_1")
    g.connect("input_1", "add_1")
    g.connect("add_1", "concatenate_1")
    g.connect("input_1", "concatenate_1")
    a = g.analyze()
    assert a.ok, a.problems
    assert a.shapes["add_1"] == (6,)
    assert a.shapes["concatenate_1"] == (12,)


def test_shape_mismatch_is_refused_when_connecting():
    g = Graph()
    g.add_node("Input", {"shape": [6]})
    g.add_node("Dense", {"units": 4})
    g.add_node("Add")
    g.connect("input_1", "dense_1")
    g.connect("dense_1", "add_1")
    with pytest.raises(ShapeError, match="equal shape"):
        g.connect("input_1", "add_1")
    assert ("input_1", "add_1") not in g.edges
    g.add_node("Dense", {"units": 2})
    g2 = Graph.from_dict(g.to_dict())
    g2.add_node("Input", {"shape": [8, 8, 1]}, node_id="image")
    with pytest.raises(ShapeError, match="Flatten"):
        g2.connect("image", "dense_2")


def test_shape_mismatch_made_later_is_a_problem_on_the_node():
    g = Graph()
    g.add_node("Input", {"shape": [6]})
    g.add_node("Dense", {"units": 6})
    g.add_node("Add")
    g.connect("input_1", "dense_1")
    g.connect("dense_1", "add_1")
    g.connect("input_1", "add_1")
    assert g.analyze().ok
    g.set_param("dense_1", "units", 4)  # edits are allowed; the node is marked instead
    a = g.analyze()
    assert not a.ok
    assert "equal shape" in a.errors_for("add_1")[0]


def test_shapes_unknown_yet_are_not_judged():
    g, _ = chain(("Input", {}), ("Dense", {"units": 3}))
    g.add_node("Add")
    g.connect("dense_1", "add_1")
    g.connect("input_1", "add_1")  # no data yet: the Input's shape is unknown, nothing to refuse
    with pytest.raises(ShapeError):
        g2 = Graph.from_dict(g.to_dict())
        g2.disconnect("input_1", "add_1")
        g2.check_connection("input_1", "add_1", input_shape=(5,))


def test_cnn_shapes_and_params():
    g, _ = chain(
        ("Input", {"shape": [8, 8, 1]}),
        ("Conv2D", {"filters": 16, "kernel_size": 3}),
        ("MaxPooling2D", {}),
        ("Flatten", {}),
        ("Dense", {"units": 10, "activation": "softmax"}),
    )
    a = g.analyze()
    assert a.ok, a.problems
    assert a.shapes["conv2d_1"] == (6, 6, 16)
    assert a.shapes["max_pooling2d_1"] == (3, 3, 16)
    assert a.shapes["flatten_1"] == (144,)
    assert a.params["conv2d_1"] == 3 * 3 * 1 * 16 + 16
    g.set_param("conv2d_1", "padding", "same")
    g.set_param("conv2d_1", "strides", 2)
    assert g.analyze().shapes["conv2d_1"] == (4, 4, 16)


def test_dense_after_image_says_add_flatten():
    # as a file can hold it (connecting it by hand is refused with the same reason)
    g = Graph.from_dict({"nodes": [{"id": "input_1", "type": "Input", "params": {"shape": [8, 8, 1]}},
                                   {"id": "dense_1", "type": "Dense", "params": {"units": 3}}],
                         "edges": [["input_1", "dense_1"]]})
    assert "Flatten" in g.analyze().errors_for("dense_1")[0]


def test_input_shape_from_data_when_node_has_none():
    g, _ = chain(("Input", {}), ("Dense", {"units": 3}))
    assert not g.analyze().ok
    a = g.analyze(input_shape=(5,))
    assert a.ok and a.params["dense_1"] == 18


def test_bad_params_and_names():
    g, _ = chain(("Input", {"shape": [2]}), ("Dense", {"units": 2}))
    with pytest.raises(ParamError, match='positive integer, got "many"'):
        g.set_param("dense_1", "units", "many")
    with pytest.raises(ParamError, match="must be one of"):
        g.set_param("dense_1", "activation", "swishy")
    with pytest.raises(GraphError, match="already exists"):
        g.rename_node("dense_1", "input_1")
    with pytest.raises(GraphError, match="not a valid layer name"):
        g.rename_node("dense_1", "../evil")


def test_absurd_size_refused_before_allocating():
    g, _ = chain(("Input", {"shape": [2]}), ("Dense", {"units": 2}))
    with pytest.raises(ParamError):
        g.set_param("dense_1", "units", 10**12)


def test_rename_and_restore_keep_edges():
    g, _ = chain(("Input", {"shape": [2]}), ("Dense", {"units": 2}), ("Dense", {"units": 1}))
    g.rename_node("dense_1", "hidden")
    assert g.edges == [("input_1", "hidden"), ("hidden", "dense_2")]
    node, edges = g.remove_node("hidden")
    assert g.edges == []
    g.restore_node(node, edges)
    assert g.edges == [("input_1", "hidden"), ("hidden", "dense_2")]
    assert g.topological_order() == ["input_1", "dense_2", "hidden"] or g.analyze().ok


def test_round_trip_dict():
    g, _ = chain(("Input", {"shape": [3]}), ("Dense", {"units": 2, "activation": "tanh"}))
    g.move_node("dense_1", (120, 40))
    g2 = Graph.from_dict(g.to_dict())
    assert g2.to_dict() == g.to_dict()


def test_several_outputs_is_an_error():
    g, _ = chain(("Input", {"shape": [3]}), ("Dense", {"units": 2}))
    g.add_node("Dense", {"units": 2})
    g.connect("input_1", "dense_2")
    assert any("several outputs" in p.message for p in g.analyze().problems)


def test_analysis_is_computed_once_per_edit():
    g, _ = chain(("Input", {"shape": [3]}), ("Dense", {"units": 2}))
    first = g.analyze()
    assert g.analyze() is first  # views asking again get the same result
    assert g.analyze((3,)) is not first  # another input shape is another question
    g.set_param("dense_1", "units", 5)
    after = g.analyze()
    assert after is not first and after.shapes["dense_1"] == (5,)
    g.move_node("dense_1", (10, 10))
    assert g.analyze() is not after  # every edit counts, even one that cannot change shapes


def test_set_param_refuses_an_activation_parameter_the_activation_does_not_have():
    g = Graph()
    g.add_node("Dense", {"units": 3, "activation": "leaky_relu"}, node_id="d")
    with pytest.raises(ParamError, match='no parameter "evil'):
        g.set_param("d", "activation_params", {"evil'''": 1})
    g.set_param("d", "activation_params", {"negative_slope": 0.3})
    assert g.nodes["d"].params["activation_params"] == {"negative_slope": 0.3}


def test_remove_edge_and_insert_edge_are_exact_inverses_without_rules():
    """Used only by undo: an edge a file held is put back where it was, even one the rules would refuse."""
    g = Graph.from_dict({
        "nodes": [{"id": "in", "type": "Input", "params": {"shape": [6]}},
                  {"id": "a", "type": "Dense", "params": {"units": 4}},
                  {"id": "b", "type": "Dense", "params": {"units": 6}},
                  {"id": "sum", "type": "Add", "params": {}}],
        "edges": [["in", "a"], ["in", "b"], ["a", "sum"], ["b", "sum"]],
    })
    before = list(g.edges)
    seen = []
    g.edge_removed.connect(lambda s, d: seen.append(("-", s, d)))
    g.edge_added.connect(lambda s, d: seen.append(("+", s, d)))
    index = g.remove_edge("a", "sum")
    assert index == 2 and g.inputs_of("sum") == ["b"]
    g.insert_edge(index, "a", "sum")  # connect() would refuse: unequal shapes
    assert g.edges == before and g.inputs_of("sum") == ["a", "b"]
    assert seen == [("-", "a", "sum"), ("+", "a", "sum")]
    with pytest.raises(GraphError, match="not connected"):
        g.remove_edge("a", "b")
    with pytest.raises(GraphError, match="no layer"):
        g.insert_edge(0, "ghost", "sum")


def test_problems_carry_their_typed_error_and_place():
    """Whoever must refuse the graph raises `problem.exception()`; nobody matches message text."""
    g = Graph()
    g.add_node("Input", {"shape": [4]}, node_id="in")
    g.add_node("Dense", {"units": 2}, node_id="a")
    g.add_node("Dense", {"units": 2}, node_id="b")
    g.connect("in", "a")
    g.connect("a", "b")
    g.edges.append(("b", "a"))  # a file may hold a cycle
    [problem] = g.analyze().problems
    assert problem.error is CycleError and isinstance(problem.exception(), CycleError)
    g.remove_edge("b", "a")
    g.nodes["b"].params["units"] = "many"  # as a hand-edited file may hold it
    g.changed.emit()
    err = next(p for p in g.analyze().problems if p.severity == "error").exception()
    assert isinstance(err, ParamError) and err.where == "b"
    g.nodes["b"].params["units"] = 2
    g.changed.emit()
    g.add_node("Conv2D", {"filters": 2}, node_id="c")
    g.connect("b", "c", check_shapes=False)
    err = next(p for p in g.analyze().problems if p.node_id == "c").exception()
    assert isinstance(err, ShapeError) and "image input" in str(err)
