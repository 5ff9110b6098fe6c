import pytest

from lenet_gui.preprocessing.placement import drawing_ink_box, image_ink_box, placement
from lenet_gui.preprocessing.preprocess import (
    INK_THRESHOLD,
    Drawing,
    prepare_drawing,
    render_drawing,
)


@pytest.mark.parametrize(
    "strokes",
    [
        (((60, 60), (220, 60), (120, 240)),),  # a 7, taller than wide
        (((40, 150), (250, 160)),),  # a dash, wider than tall
        (((150, 40), (140, 240)), ((100, 90), (190, 90))),
    ],
)
def test_the_inputs_ink_lands_on_the_drawings_ink(strokes):
    drawing = Drawing(280, 280, strokes)
    prepared = prepare_drawing(drawing)
    place = placement(prepared, drawing_ink_box(drawing))
    top_left_x, top_left_y, right, bottom = image_ink_box(prepared.field, INK_THRESHOLD)
    mapped = place.rect_to_source(top_left_y, top_left_x, bottom, right)
    on_canvas = image_ink_box(render_drawing(drawing) / 255.0, INK_THRESHOLD)
    for got, want in zip(mapped, on_canvas, strict=True):
        assert got == pytest.approx(want, abs=1.0 * place.scale)  # within one input pixel
    assert drawing_ink_box(Drawing(280, 280, ())) is None
