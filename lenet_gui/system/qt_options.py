"""Qt's own command-line options (`-style fusion`, `-platform offscreen`, ...), told apart from
lenet-gui's, so that `lenet-gui -style fusion` starts the GUI instead of a usage error.

Plain Python (no Qt import): the command line decides whether there is a GUI at all before Qt
is loaded. The option names are those QGuiApplication and QApplication document as "command
line options supported by all Qt programs" (Qt 6 QGuiApplication / QApplication reference).
"""

from __future__ import annotations

# Options followed by a value, as `-style fusion`, `-style=fusion` or `--style=fusion`.
WITH_VALUE = frozenset(
    {
        "platform",
        "platformpluginpath",
        "platformtheme",
        "plugin",
        "qmljsdebugger",
        "qwindowgeometry",
        "qwindowicon",
        "qwindowtitle",
        "session",
        "style",
        "stylesheet",
        "display",
        "geometry",
        "title",
        "name",
        "visual",
        "dialogs",
        "fontengine",
    }
)
# Options on their own.
FLAGS = frozenset({"reverse", "widgetcount", "nograb", "dograb", "sync"})


def split_qt_options(argv: list[str]) -> tuple[list[str], list[str]]:
    """Split command-line arguments (without the program name) into (Qt's, the rest), in order.

    `-style fusion` (two arguments) and `-style=fusion` are Qt's; so are the same with two
    dashes. A value-taking option at the very end keeps its place in the rest, so the parser
    reports it. Everything after `--` belongs to the rest.
    """
    qt: list[str] = []
    rest: list[str] = []
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--":
            rest.extend(argv[i:])
            break
        name = arg.lstrip("-").split("=", 1)[0]
        dashes = len(arg) - len(arg.lstrip("-"))
        if dashes in (1, 2) and name in FLAGS and "=" not in arg:
            qt.append(arg)
        elif dashes in (1, 2) and name in WITH_VALUE:
            if "=" in arg:
                qt.append(arg)
            elif i + 1 < len(argv):
                qt.extend(argv[i : i + 2])
                i += 1
            else:
                rest.append(arg)
        else:
            rest.append(arg)
        i += 1
    return qt, rest
