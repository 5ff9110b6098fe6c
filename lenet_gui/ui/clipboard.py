"""Copy, paste, drop and "save as picture", as every desktop app does them.

`install_clipboard(window)` adds to the main window, through its public API:
- Edit > Paste (Ctrl+V): an image on the clipboard, or a copied image file, is classified like
  File > Open (a copied checkpoint opens as a model, like a dropped one).
- Edit > Copy drawing (Ctrl+C), Copy 32×32 input, Copy maps panel: pictures for slides and notes.
- File > Save 32×32 input as PNG…, Save maps panel as PNG…; the enlarged view of one map gets
  its own Copy and Save buttons (`add_picture_buttons`).
- Drops of several files: the first image (or checkpoint) opens and the status bar says how
  many were ignored; `file://localhost/...` URLs open their path.
Pictures are saved through `MainWindow.save_file` (atomic; a failure says so).
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image
from PySide6.QtCore import QUrl
from PySide6.QtGui import QAction, QGuiApplication, QImage, QKeySequence, QPixmap
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QPushButton, QWidget

from .images import png_bytes

MODEL_SUFFIXES = (".pt", ".pth")
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp")
INPUT_SCALE = 8  # the 32x32 input is copied as 256x256, each pixel a sharp 8x8 block


def local_files(urls: list[QUrl]) -> list[Path]:
    """The local paths among dropped or pasted URLs, in order. `file://localhost/x` is the
    local file /x (RFC 8089 section 2); other hosts are not local and are left out."""
    out = []
    for url in urls:
        if url.scheme() != "file":
            continue
        if url.host() in ("", "localhost"):
            out.append(Path(url.path()) if url.host() else Path(url.toLocalFile()))
    return out


def qimage_to_pil(image: QImage) -> Image.Image:
    """A QImage as a Pillow RGBA image (copied)."""
    rgba = image.convertToFormat(QImage.Format.Format_RGBA8888)
    data = bytes(rgba.constBits())[: rgba.sizeInBytes()]
    return Image.frombuffer(
        "RGBA", (rgba.width(), rgba.height()), data, "raw", "RGBA", rgba.bytesPerLine(), 1
    ).copy()


def input_image(window) -> QImage | None:
    """The 32x32 network input now shown, scaled up sharply, or None without one."""
    inspection = window.current_inspection()
    if inspection is None:
        return None
    field = inspection.prepared.field  # (32, 32) ink 0..1
    from .views.colormap import gray_image

    image = gray_image(field)
    return image.scaled(image.width() * INPUT_SCALE, image.height() * INPUT_SCALE)


class ClipboardActions:
    """The actions above, bound to one main window."""

    def __init__(self, window) -> None:
        self.window = window
        a = window._action
        self.paste_action = a(
            "P&aste image",
            self.paste,
            [QKeySequence.StandardKey.Paste],
            "Classify the image (or image file) on the clipboard",
        )
        self.copy_action = a(
            "Cop&y drawing",
            self.copy_drawing,
            [QKeySequence.StandardKey.Copy],
            "Copy what the canvas shows as a picture",
        )
        self.copy_input_action = a(
            "Copy 32×32 &input", self.copy_input, tip="Copy the network's input as a picture"
        )
        self.copy_maps_action = a(
            "Copy &maps panel", self.copy_maps, tip="Copy all the feature maps as one picture"
        )
        self.save_input_action = a(
            "Save 32×32 input as P&NG…", self.save_input, tip="Save the network's input"
        )
        self.save_maps_action = a(
            "Save &maps panel as PNG…", self.save_maps, tip="Save all the feature maps"
        )
        edit = window.edit_menu
        first = edit.actions()[0] if edit.actions() else None
        for action in (self.copy_action, self.copy_input_action, self.copy_maps_action):
            edit.insertAction(first, action)
        edit.insertAction(first, self.paste_action)
        edit.insertSeparator(first)
        file_menu = window.file_menu
        anchor = window.save_strokes_action
        actions = file_menu.actions()
        after = actions[actions.index(anchor) + 1] if anchor in actions[:-1] else None
        for action in (self.save_input_action, self.save_maps_action):
            file_menu.insertAction(after, action)

    # -- paste and drop ----------------------------------------------------------------------

    def paste(self) -> bool:
        mime = QGuiApplication.clipboard().mimeData()
        if mime is not None and mime.hasUrls() and local_files(mime.urls()):
            return self.open_files(local_files(mime.urls()))
        if mime is not None and mime.hasImage():
            image = QImage(mime.imageData())
            if not image.isNull():
                return self.window.open_picture(qimage_to_pil(image), "the pasted image")
        self.window.statusBar().showMessage("The clipboard holds no image to classify", 5000)
        return False

    def open_files(self, files: list[Path]) -> bool:
        """Open the first image or checkpoint among `files` (by name; else the first file);
        say how many were left out."""
        if not files:
            return False
        known = [f for f in files if f.suffix.lower() in IMAGE_SUFFIXES + MODEL_SUFFIXES]
        first, ignored = (known or files)[0], len(files) - 1
        if first.suffix.lower() in MODEL_SUFFIXES:
            opened = self.window.open_model_file(first)
        else:
            opened = self.window.open_image_file(first)
        if opened and ignored:
            files_word = "file was" if ignored == 1 else "files were"
            self.window.statusBar().showMessage(
                f"Opened {first.name}; {ignored} other {files_word} ignored (one at a time)",
                10000,
            )
        return opened

    # -- copy and save -----------------------------------------------------------------------

    def _copy(self, image: QImage | QPixmap | None, what: str) -> None:
        if image is None or image.isNull():
            self.window.statusBar().showMessage(f"No {what} to copy yet", 5000)
            return
        QGuiApplication.clipboard().setImage(
            image.toImage() if isinstance(image, QPixmap) else image
        )
        self.window.statusBar().showMessage(f"Copied the {what} as a picture", 5000)

    def copy_drawing(self) -> None:
        self._copy(self.window.canvas.rendered_image(), "drawing")

    def copy_input(self) -> None:
        self._copy(input_image(self.window), "32×32 input")

    def copy_maps(self) -> None:
        self._copy(self.window.feature_view.grab(), "maps panel")

    def _save(self, image: QImage | QPixmap | None, what: str, name: str) -> None:
        if image is None or image.isNull():
            self.window.statusBar().showMessage(f"No {what} to save yet", 5000)
            return
        save_picture(self.window, image, f"Save the {what} as PNG", name)

    def save_input(self) -> None:
        self._save(input_image(self.window), "32×32 input", "input-32x32.png")

    def save_maps(self) -> None:
        self._save(self.window.feature_view.grab(), "maps panel", "feature-maps.png")


def save_picture(window, image: QImage | QPixmap, title: str, name: str) -> bool:
    """Ask where, then save `image` as PNG through `window.save_file` (atomic)."""
    folder = Path(window.settings.last_folder or Path.home())
    path, _ = QFileDialog.getSaveFileName(window, title, str(folder / name), "PNG (*.png)")
    if not path:
        return False
    if not path.lower().endswith(".png"):
        path += ".png"
    return window.save_file(path, png_bytes(image))


def add_picture_buttons(dialog, window, view: QWidget, name: str) -> QHBoxLayout:
    """Copy and Save… buttons for one map's enlarged view (Ctrl+C copies it too)."""
    copy_button, save_button = QPushButton("&Copy picture"), QPushButton("&Save as PNG…")
    copy_button.setAutoDefault(False)
    save_button.setAutoDefault(False)

    def copy() -> None:
        QGuiApplication.clipboard().setImage(view.grab().toImage())
        window.statusBar().showMessage(f"Copied {name} as a picture", 5000)

    copy_button.clicked.connect(copy)
    save_button.clicked.connect(
        lambda: save_picture(window, view.grab(), f"Save {name} as PNG", f"{name}.png")
    )
    shortcut = QAction(dialog)
    shortcut.setShortcut(QKeySequence.StandardKey.Copy)
    shortcut.triggered.connect(copy)
    dialog.addAction(shortcut)
    row = QHBoxLayout()
    row.addStretch(1)
    row.addWidget(copy_button)
    row.addWidget(save_button)
    return row
