"""The Explain dock: why the network chose a class (attribution heatmap), how a unit's value was
computed (trace), the output layer (RBF prototypes) and the parameter formulas (network)."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QGridLayout,
    QLabel,
    QRadioButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from .. import theme
from .heatmap import InputExplainView
from .network_view import NetworkView
from .output_view import OutputView
from .trace_view import TraceView

METHOD_LABELS = {"occlusion": "Occlusion", "gradient": "Integrated gradients"}
METHOD_TIPS = {
    "occlusion": "Cover 4×4 patches with blank paper, one at a time: how much does the score "
    "drop? (Zeiler & Fergus 2014)",
    "gradient": "The score's gradient averaged from a blank input to the drawing, times the "
    "ink (Sundararajan et al. 2017): the map adds up to the score's change",
}


class WhyView(QWidget):
    """Class pickers, method switch, the 32x32 input with the heatmap, and what it shows."""

    settings_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.target = QComboBox()
        self.target.addItem("the top class", None)
        self.versus = QComboBox()
        self.versus.addItem("—", None)
        for d in range(10):
            self.target.addItem(str(d), d)
            self.versus.addItem(str(d), d)
        self.target.setToolTip("The class whose score the heatmap explains")
        self.versus.setToolTip(
            "Explain the class's score minus this one's: why 7 rather than 1 (—: its own score)"
        )
        self.methods = QButtonGroup(self)
        methods = QWidget()
        methods_layout = QVBoxLayout(methods)
        methods_layout.setContentsMargins(0, 0, 0, 0)
        for i, (key, label) in enumerate(METHOD_LABELS.items()):
            button = QRadioButton(label)
            button.setToolTip(METHOD_TIPS[key])
            button.setProperty("method", key)
            button.setChecked(i == 0)
            self.methods.addButton(button, i)
            methods_layout.addWidget(button)
        self.on_canvas = QCheckBox("Also over the drawing")
        self.on_canvas.setChecked(True)
        self.view = InputExplainView()
        self.view.setMinimumSize(180, 180)
        self.legend = QLabel()
        self.legend.setWordWrap(True)
        self.attribution = None  # the attribution.Attribution shown
        controls = QGridLayout()
        controls.addWidget(QLabel("Why"), 0, 0)
        controls.addWidget(self.target, 0, 1)
        controls.addWidget(QLabel("rather than"), 1, 0)
        controls.addWidget(self.versus, 1, 1)
        controls.addWidget(QLabel("Method"), 2, 0)
        controls.addWidget(methods, 2, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(controls)
        layout.addWidget(self.on_canvas)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.legend)
        for combo in (self.target, self.versus):
            combo.currentIndexChanged.connect(self.settings_changed)
        self.methods.idToggled.connect(lambda _id, on: on and self.settings_changed.emit())
        self.on_canvas.toggled.connect(self.settings_changed)

    def method(self) -> str:
        return self.methods.checkedButton().property("method")

    def choice(self, predicted: int) -> tuple[int, int | None]:
        """(class, versus or None); versus equal to the class counts as none."""
        target = self.target.currentData()
        target = predicted if target is None else target
        versus = self.versus.currentData()
        return target, (None if versus == target else versus)

    def show_attribution(self, attribution, note: str = "") -> None:
        """Show `attribution` (or None); `note` follows the explained class in the legend (" (a
        guess: the reading is not a digit)"). The legend changes only with the class, contrast,
        method or note; the figures that change on every new heatmap are painted by the view
        beneath the input: a label's new text lays out the whole dock again (several ms a
        heatmap)."""
        self.attribution = attribution
        if attribution is None:
            self.view.set_attribution(None)
            self.legend.setText("")
            return
        score = f"explained score {attribution.explained_score:+.2f}"
        if attribution.method == "gradient":  # completeness: the map adds up to the change
            score += f", map sum {float(attribution.map.sum()):+.2f}"
        self.view.set_attribution(attribution.map, score)
        what = f"the score of {attribution.target}{note}"
        if attribution.versus is not None:
            what += f" over {attribution.versus}"
        total = ""
        if attribution.method == "gradient":
            total = " The map sum is the score's change from a blank input."
        ground = theme.background(self.legend)  # the heatmap's hues, readable on a dark theme
        red, blue = (theme.readable(QColor(c), ground).name() for c in ("#b2182b", "#2166ac"))
        self.legend.setText(  # the same text again costs nothing (QLabel compares it)
            f"<span style='color:{red}'><b>red</b></span>: pixels that raise {what}; "
            f"<span style='color:{blue}'><b>blue</b></span>: pixels that lower it. "
            f"{METHOD_LABELS[attribution.method]}.{total}"
        )


class ExplainPanel(QTabWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Explain: why and how")
        self.why = WhyView()
        self.how = TraceView()
        self.output = OutputView()
        self.network = NetworkView()
        self.addTab(self.why, "Why")
        self.addTab(self.how, "How")
        self.addTab(self.output, "Output")
        self.addTab(self.network, "Network")
        self.setTabToolTip(0, "Which pixels made the network choose a class")
        self.setTabToolTip(1, "How one unit's value was computed, with the real numbers")
        self.setTabToolTip(2, "The output layer: the paper's prototypes and distances")
        self.setTabToolTip(3, "Each layer's parameter count as a formula")
