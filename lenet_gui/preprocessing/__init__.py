"""From a drawing or an image to the network's 1x32x32 input (`preprocess`, the one pipeline), with
what feeds it: strokes and their undo history (`strokes`), strokes files (`drawing_file`),
photos (`photo`), ink components (`components`) and where the input lies on the canvas
(`placement`). Imports nothing else of lenet_gui."""
