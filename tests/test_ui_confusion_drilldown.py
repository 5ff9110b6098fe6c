"""The retrain results' confusion drill-down: click a cell (true i, read as j), see those test
digits, click one to put it on the canvas. Real mouse clicks; a small made-up test set."""

from __future__ import annotations

import numpy as np
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from lenet_gui.reading.inference import classify_images
from lenet_gui.retrain.retraining import TrainingOutcome
from lenet_gui.training.train import TrainConfig, confusion_summary
from lenet_gui.ui.retrain.confusion_cell import SHOWN, cell_indices
from lenet_gui.ui.retrain.integration import RetrainController


def bar(angle: float) -> np.ndarray:
    """A 28x28 uint8 stroke through the middle, tilted `angle` radians from upright."""
    image = np.zeros((28, 28), np.uint8)
    for t in np.linspace(-9, 9, 60):
        x, y = 14 + t * np.sin(angle), 14 - t * np.cos(angle)
        image[int(y) - 1 : int(y) + 1, int(x) - 1 : int(x) + 1] = 255
    return image


def outcome(count=40, seed=0):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 10, count)
    predictions = np.where(rng.random(count) < 0.7, labels, rng.integers(0, 10, count))
    labels[:5], predictions[:5] = 1, 7  # five 1s read as 7
    images = np.stack([bar(0.1 * i) for i in range(count)])
    ev = confusion_summary(labels, predictions)
    return TrainingOutcome(
        state={}, model_args={}, config=TrainConfig(epochs=1), seconds=3.0, train_images=100,
        mnist_test_accuracy=ev.accuracy, per_class=ev.per_class, confusion=ev.confusion,
        test_count=count, test_images=images, test_labels=labels, test_predictions=predictions,
    )  # fmt: skip


def click_cell(table, row: int, column: int) -> None:
    rect = table.visualItemRect(table.item(row, column))
    QTest.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def test_clicking_a_cell_lists_exactly_its_test_digits(qtbot):
    from lenet_gui.ui.retrain.results import RetrainResults

    results = RetrainResults()
    qtbot.addWidget(results)
    results.show()
    o = outcome()
    results.show_results(o)
    results.setCurrentIndex(1)
    click_cell(results.confusion, 1, 7)
    dialog = results.cell_dialog
    assert dialog is not None and dialog.isVisible()
    expected = np.flatnonzero((o.test_labels == 1) & (o.test_predictions == 7))
    assert dialog.indices.tolist() == expected.tolist() and len(dialog.buttons) == len(expected)
    assert int(results.confusion.item(1, 7).text()) == len(expected)
    assert dialog.caption.text().startswith(f"{len(expected)} test digits of class 1 read as 7")
    with qtbot.waitSignal(results.test_digit_chosen) as chosen:
        QTest.mouseClick(dialog.buttons[2], Qt.MouseButton.LeftButton)
    image, name = chosen.args
    np.testing.assert_array_equal(image, o.test_images[expected[2]])
    assert name == f"MNIST test digit {expected[2]} (a 1, read 7)"
    click_cell(results.confusion, 3, 10)  # the "correct" column opens nothing new
    assert results.cell_dialog is dialog


def test_a_big_cell_shows_a_bounded_number_of_thumbnails():
    labels = np.zeros(SHOWN + 50, int)
    assert len(cell_indices(labels, labels, 0, 0)) == SHOWN + 50
    assert len(cell_indices(labels, labels, 0, 1)) == 0


def test_a_chosen_test_digit_goes_on_the_canvas_and_is_read(window, bundled_model):
    controller = window.findChild(RetrainController)
    dialog = controller.open_retrain()
    o = outcome()
    dialog.results.show_results(o)
    cell = dialog.results.open_cell(1, 7)
    QTest.mouseClick(cell.buttons[0], Qt.MouseButton.LeftButton)
    assert window.canvas.has_backdrop()
    shown = window.current_inspection().prediction
    expected = classify_images(bundled_model.model, [Image.fromarray(o.test_images[0])])[0]
    np.testing.assert_allclose(shown.probabilities, expected.probabilities, atol=1e-6)
    window.canvas.undo()  # one undo step, like an opened image
    assert not window.canvas.has_backdrop()
    dialog.close()
