"""Reading a drawing: classifying prepared inputs (`inference`), the verdict on a reading
(`verdict`, `number_verdict`), calibration of the probabilities (`calibration`) and a number
split into digits (`segmentation`). Imports network and preprocessing only."""
