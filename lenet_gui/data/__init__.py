"""Where examples come from: MNIST on disk (`mnist`), the user's own labelled samples (`samples`,
`sample_archive`), pen-drawn digits (`drawn_digits`), stroke distortions (`stroke_distortion`)
and made-up non-digits (`negatives`)."""
