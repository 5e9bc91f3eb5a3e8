"""Every lesson, run headless to its point: the variants train and the difference the lesson is about shows."""

from __future__ import annotations

import pytest

from designer.learn.concepts import CONCEPTS
from designer.learn.lessons import LESSONS, run_lesson
from designer.project.io import dumps_project, loads_project


def test_there_are_at_least_five_lessons_each_with_text_task_and_variants():
    assert {"xor", "learning_rate", "overfitting", "losses", "vanishing"} <= set(LESSONS)
    for lesson in LESSONS.values():
        assert lesson.text and lesson.task and len(lesson.variants) >= 2
        assert all(key in CONCEPTS for key in lesson.concepts), lesson.key


@pytest.mark.parametrize("key", sorted(LESSONS))
def test_each_variant_is_a_valid_project(key):
    for variant in LESSONS[key].variants:
        project = variant.build()
        loaded = loads_project(dumps_project(project))  # saved and loaded: validated like a user's file
        assert loaded.data["source"] == project.data["source"] and loaded.training["loss"] == project.training["loss"]
        assert loaded.graph.to_dict() == project.graph.to_dict()


@pytest.mark.parametrize("key", sorted(LESSONS))
def test_each_lesson_reaches_its_point(key):
    result = run_lesson(LESSONS[key])
    assert result.reached, result.summary
    m = result.metrics
    if key == "xor":
        assert m["without a hidden layer"]["val_accuracy"] <= 0.75
        assert m["with a hidden layer"]["accuracy"] == 1.0
    elif key == "learning_rate":
        assert m["about right (0.1)"]["val_accuracy"] >= 0.85
    elif key == "losses":
        slope, intercept = result.details["MAE"]["line"]
        assert slope == pytest.approx(2.0, abs=0.15) and intercept == pytest.approx(1.0, abs=0.25)
        assert result.details["MSE"]["line"][1] > 2.0  # pulled up by the outliers
    elif key == "vanishing":
        assert result.details["sigmoid"]["first_to_last"] < 1e-2 < result.details["relu"]["first_to_last"]
    elif key == "overfitting":
        assert result.details["no dropout"]["rise"] > result.details["dropout 0.5"]["rise"]
