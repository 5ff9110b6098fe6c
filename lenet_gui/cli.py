"""lenet-gui's command line (`python -m lenet_gui COMMAND` or `lenet-gui-cli COMMAND`); without
a command it starts the GUI.

Every command reports a problem with its input (a missing or damaged file, a bad value) as one
line on stderr and exit status 1; a usage error exits with 2 (argparse); never a traceback.
"""

from __future__ import annotations

import argparse
import functools
import json
import logging
import math
import sys
import time
from pathlib import Path

import numpy as np

from .system import paths
from .system.atomic import SaveError, check_writable
from .training.metrics import (
    MNIST_TEST_ACCURACY,
    PEN_DEV_ACCURACY,
    PEN_HELD_OUT_ACCURACY,
    TRAIN_SECONDS,
    percent_text,
)
from .training.train_config import PEN_SHARE, TrainConfig

log = logging.getLogger(__name__)


def _print(text: str = "", file=None) -> None:
    """print() that a frozen windowed app (where sys.stdout is None) survives."""
    stream = file or sys.stdout
    if stream is not None:
        print(text, file=stream, flush=True)


def _load_model(path: str | None):
    from .retrain.checkpoint import load_checkpoint

    return load_checkpoint(path or paths.bundled_checkpoint())


def cmd_info(args) -> int:
    from .network.architecture import LAYER_NAMES
    from .network.model import layer_output_shapes, layer_parameter_counts
    from .retrain.checkpoint import describe_loaded

    loaded = _load_model(args.checkpoint)
    counts = layer_parameter_counts(loaded.model)
    shapes = layer_output_shapes()
    _print(f"{'layer':<8}{'output':>14}{'parameters':>12}")
    for name in LAYER_NAMES:
        shape = (
            "@".join([str(shapes[name][0]), "x".join(map(str, shapes[name][1:]))])
            if len(shapes[name]) == 3
            else str(shapes[name][0])
        )
        _print(f"{name:<8}{shape:>14}{counts[name]:>12,}")
    c1_to_f6 = sum(counts[n] for n in LAYER_NAMES[:-1])
    _print(f"{'C1..F6':<8}{'':>14}{c1_to_f6:>12,}")
    _print(f"{'total':<8}{'':>14}{sum(counts.values()):>12,}")
    if args.formulas:
        _print_formulas(loaded.model)
    _print()
    _print(f"checkpoint: {loaded.path}")
    for label, value in describe_loaded(loaded):
        _print(f"  {label}: {value}")
    return 0


def _print_formulas(model) -> None:
    from .network.layer_arithmetic import parameter_formulas, total_formula

    formulas = parameter_formulas(model)
    _print()
    _print("parameters, from the weights' shapes:")
    for f in formulas:
        _print(f"{f.layer:<8}{f}")
        _print(f"{'':<8}({f.meaning})")
    _print(f"{'C1..F6':<8}{total_formula(formulas[:-1])}")
    _print(f"{'total':<8}{total_formula(formulas)}")


def _read_drawings(path: Path):
    from .preprocessing.drawing_file import iter_drawings

    return list(iter_drawings(path))


def _read_drawings_or_exit(name: str) -> list:
    try:
        return _read_drawings(Path(name))
    except (OSError, ValueError) as exc:
        raise SystemExit(f"error: {name}: {exc}") from None


def _read_images_or_exit(names: list[str]) -> list:
    from .preprocessing.photo import ImageReadError, open_image

    images = []
    for name in names:
        try:
            images.append(open_image(name))  # upright (EXIF), bounded in size
        except ImageReadError as exc:
            raise SystemExit(f"error: {name}: {exc}") from None
    return images


PREDICT_BATCH = 256  # drawings or images classified at a time: memory bounded, output as it goes


def _batches(items, size: int):
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def cmd_predict(args) -> int:
    """One JSON line per drawing or image, printed as each batch is classified: time to the
    first answer and memory do not grow with the number of drawings."""
    from .preprocessing.drawing_file import iter_drawings
    from .reading.inference import classify_drawings, classify_images
    from .reading.segmentation import read_drawings, read_images

    loaded = _load_model(args.checkpoint)
    if args.strokes:
        items, name = iter_drawings(args.strokes), args.strokes
        classify, read = classify_drawings, read_drawings
    else:
        items = (_read_images_or_exit([image])[0] for image in args.images)
        name, classify, read = None, classify_images, read_images
    try:
        for batch in _batches(items, PREDICT_BATCH):
            predictions = classify(loaded.model, batch)
            readings = read(loaded.model, batch)
            for prediction, reading in zip(predictions, readings, strict=True):
                _print(json.dumps(prediction.to_json() | reading.to_json()))
    except (OSError, ValueError) as exc:
        raise SystemExit(f"error: {name}: {exc}" if name else f"error: {exc}") from None
    return 0


def _prepared_inputs(args) -> list:
    """(name, PreparedInput or None) for each drawing of --strokes, or each IMAGE."""
    from .preprocessing.preprocess import prepare_drawing, prepare_image

    if args.strokes:
        drawings = _read_drawings_or_exit(args.strokes)
        return [(f"{args.strokes}: drawing {i + 1}", prepare_drawing(d))
                for i, d in enumerate(drawings)]  # fmt: skip
    images = _read_images_or_exit(args.images)
    return [(n, prepare_image(im)) for n, im in zip(args.images, images, strict=True)]


def _each_digit(args, verb: str, blank: dict):
    """(name, model, PreparedInput) for each input of `args` (strokes or images) that holds a
    digit, with the checkpoint's model; an input without one gets a line on stderr ("nothing to
    `verb`") and `blank` as its JSON line, so every input still has its line. For the lab's
    commands (sweep, fool)."""
    named = _prepared_inputs(args)
    loaded = _load_model(args.checkpoint)
    for name, prepared in named:
        if prepared is None:
            _print(f"{name}: no digit in it, nothing to {verb}", file=sys.stderr)
            _print(json.dumps(blank))
            continue
        yield name, loaded.model, prepared


def cmd_sweep(args) -> int:
    from .lab.sweep import run_sweep, sweep_values
    from .reading.inference import inspect

    try:
        sweep_values(args.transform, args.range[0], args.range[1], args.steps)
    except ValueError as exc:
        raise SystemExit(f"error: {exc}") from None
    blank = {"transform": args.transform, "reading": None}
    for _name, model, prepared in _each_digit(args, "sweep", blank):
        result = run_sweep(model, prepared, args.transform, *args.range, args.steps, args.seed)
        verdict = inspect(model, prepared).prediction.verdict.kind  # of the drawing as it is
        _print(json.dumps({**result.to_json(), "verdict": verdict}))
    return 0


def cmd_fool(args) -> int:
    from .lab.adversarial import readings, smallest_fooling

    blank = {"method": args.method, "reading": None}
    for name, model, prepared in _each_digit(args, "fool", blank):
        try:
            result = smallest_fooling(model, prepared.network_input, args.method, args.target)
        except ValueError as exc:
            _print(f"{name}: {exc}", file=sys.stderr)
            # The only request refused: a target that is already the reading.
            refused = {"method": args.method, "target": args.target, "reading": args.target}
            _print(json.dumps({**refused, "flipped": False}))
            continue
        before, after = readings(model, prepared, result)
        verdicts = {"verdict": before.verdict.kind, "new_verdict": after.verdict.kind}
        _print(json.dumps({**result.to_json(), **verdicts}))
    return 0


def cmd_export(args) -> int:
    from .lab.onnx_export import OnnxUnavailable, export_onnx, verify

    loaded = _load_model(args.checkpoint)
    try:
        path = export_onnx(loaded.model, args.onnx)
        _print(f"wrote {path} ({path.stat().st_size:,} bytes)")
        agreements = verify(loaded.model, path, args.pen)
    except OnnxUnavailable as exc:
        raise SystemExit(f"error: {exc}") from None
    except (OSError, ValueError) as exc:
        raise SystemExit(f"error: {exc}") from None
    for a in agreements:
        _print(a.describe())
    if not all(a.ok for a in agreements):
        raise SystemExit("error: the ONNX model does not agree with torch")
    return 0


def _print_evaluation(evaluation, title: str) -> None:
    _print(
        f"{title}: accuracy {100 * evaluation.accuracy:.2f}% "
        f"({int(np.trace(evaluation.confusion))}/{int(evaluation.confusion.sum())})"
    )
    _print(
        "per class: " + "  ".join(f"{d}:{100 * a:.1f}%" for d, a in enumerate(evaluation.per_class))
    )
    _print("confusion (rows: true digit, columns: predicted)")
    _print("     " + "".join(f"{d:>6}" for d in range(10)))
    for d, row in enumerate(evaluation.confusion):
        _print(f"{d:>5}" + "".join(f"{v:>6}" for v in row))


def cmd_eval(args) -> int:
    from .data.mnist import MnistError, load_mnist
    from .training.train import evaluate

    if args.pen:
        from .data.drawn_digits import evaluate_pen_digits, load_pen_digits

        digits = load_pen_digits(args.pen)  # a bad file is said before torch loads
        loaded = _load_model(args.checkpoint)
        evaluation = evaluate_pen_digits(loaded.model, digits, seed=args.seed)
        _print_evaluation(evaluation, f"pen digits {Path(args.pen).name}")
        return 0
    try:
        images, labels = load_mnist(paths.default_mnist_dir(args.mnist), "test")
    except MnistError as exc:
        raise SystemExit(f"error: {exc}") from None
    loaded = _load_model(args.checkpoint)
    _print_evaluation(evaluate(loaded.model, images, labels), "MNIST test")
    return 0


def cmd_train(args) -> int:
    from tqdm import tqdm

    from .data.mnist import MnistError, load_mnist
    from .network.model import LeNet5, LeNet5Config
    from .retrain.checkpoint import LoadedModel, save_checkpoint
    from .system.allocator import keep_freed_memory
    from .training.train import evaluate, train

    if args.train_pen and not args.pen:
        raise SystemExit("error: --train-pen trains on the --pen file: give --pen FILE")
    if args.digit_styles and not (args.distort_strokes and args.train_pen):
        raise SystemExit("error: --digit-styles goes with --train-pen --distort-strokes")
    out = _train_output(args.out)
    keep_freed_memory()  # this process trains: see allocator.py
    pen_digits = None
    if args.pen:
        from .data.drawn_digits import load_pen_digits

        pen_digits = load_pen_digits(args.pen)  # a bad file is said now, not after training
    try:
        folder = paths.default_mnist_dir(args.mnist)
        images, labels = load_mnist(folder, "train")
        test_images, test_labels = load_mnist(folder, "test")
    except MnistError as exc:
        raise SystemExit(f"error: {exc}") from None
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    if args.limit:
        images, labels = images[: args.limit], labels[: args.limit]
    fields = TrainConfig.__dataclass_fields__
    config = TrainConfig(**{k: v for k, v in vars(args).items() if k in fields})
    import torch

    torch.manual_seed(config.seed)  # the initial weights too: same seed, same model
    model = LeNet5(LeNet5Config(output=args.output))
    if args.init:
        loaded: LoadedModel = _load_model(args.init)
        model = loaded.model
    negatives = None
    if args.negatives:
        from .retrain.rejection import load_pen_characters, negative_fields

        try:
            characters = load_pen_characters(args.negatives)
        except ValueError as exc:
            raise SystemExit(f"error: {exc}") from None
        negatives = negative_fields(
            images,
            characters,
            placements=args.negative_placements,
            distort=args.distort_strokes,
            seed=config.seed,
        )
        _print(f"outlier exposure: {len(negatives)} non-digit fields", file=sys.stderr)
    notes = f"trained by `lenet_gui train` on {len(images)} MNIST images"
    weights = None
    if args.train_pen:
        from .retrain.rejection import mix_pen_digits, pen_digit_fields

        pen_fields, pen_labels = pen_digit_fields(
            pen_digits,
            args.pen_placements,
            seed=config.seed,
            distort=args.distort_strokes,
            styles=args.digit_styles,
        )
        images, labels, weights = mix_pen_digits(
            images, labels, pen_fields, pen_labels, args.pen_share
        )
        notes += f" and {len(pen_fields)} pen-digit fields of the train writers"
        _print(
            f"pen digits: {len(pen_fields)} fields of the train writers, "
            f"{100 * args.pen_share:.0f}% of the draws",
            file=sys.stderr,
        )
    bar = tqdm(
        total=config.epochs * -(-len(images) // config.batch_size),
        unit="batch",
        disable=sys.stderr is None,
    )

    def report(p):
        bar.update(1) if p.kind == "step" else None
        if p.kind == "step" and p.step % 20 == 0:
            bar.set_postfix(
                epoch=f"{p.epoch}/{p.epochs}",
                loss=f"{p.loss:.3f}",
                img_s=f"{p.images_per_second:.0f}",
            )
        if p.kind == "epoch":
            acc = f", test {100 * p.val_accuracy:.2f}%" if p.val_accuracy is not None else ""
            bar.write(f"epoch {p.epoch}: loss {p.loss:.4f}{acc} ({p.elapsed:.0f} s)")

    started = time.time()
    try:
        result = train(
            model,
            images,
            labels,
            config,
            val_images=test_images,
            val_labels=test_labels,
            sample_weights=weights,
            negative_images=negatives,
            progress=report,
        )
    except KeyboardInterrupt:
        bar.close()
        _print("stopped: no checkpoint written", file=sys.stderr)
        return 130
    bar.close()
    accuracy = evaluate(model, test_images, test_labels).accuracy
    metrics = {MNIST_TEST_ACCURACY: accuracy, TRAIN_SECONDS: round(time.time() - started, 1)}
    if pen_digits is not None:
        from .data.drawn_digits import evaluate_pen_digits
        from .retrain.rejection import held_out_digits

        metrics[PEN_DEV_ACCURACY] = evaluate_pen_digits(model, pen_digits).accuracy
        held_out = held_out_digits(pen_digits)
        if held_out:
            metrics[PEN_HELD_OUT_ACCURACY] = evaluate_pen_digits(model, held_out).accuracy
    if negatives is not None:
        notes += f" and {len(negatives)} non-digit fields (outlier exposure)"
    save = functools.partial(
        save_checkpoint,
        model=model,
        train_config=config.to_dict(),
        metrics=metrics,
        notes=notes,
    )
    try:
        out = save(out)
    except SaveError as exc:  # the disk filled up meanwhile: keep the run somewhere
        kept = _save_elsewhere(save)
        where = f"The trained model was saved to {kept} instead." if kept else ""
        raise SystemExit(f"error: {exc} {where}".rstrip()) from None
    _print(
        f"MNIST test accuracy {100 * accuracy:.2f}% after {result.epochs_run} epochs; wrote {out}"
    )
    if PEN_DEV_ACCURACY in metrics:
        _print(f"pen-digits accuracy {percent_text(metrics[PEN_DEV_ACCURACY])}")
    if PEN_HELD_OUT_ACCURACY in metrics:
        _print(f"held-out writers' pen digits {percent_text(metrics[PEN_HELD_OUT_ACCURACY])}")
    return 0


def default_train_output(now=None) -> Path:
    """Where `train` writes without --out: a name with the UTC time in the user data folder's
    models/ (lenet5-trained-20261129-163005Z.pt; -2, -3... if taken; `paths.new_model_path`).
    Never the bundled model."""
    return paths.new_model_path("trained", now=now)


def _train_output(out: str | None) -> Path:
    """The checkpoint path `train` will write, checked before any training is spent on it."""
    path = Path(out) if out else default_train_output()
    try:
        is_bundled = path.resolve() == paths.bundled_checkpoint().resolve()
    except OSError:
        is_bundled = False
    if is_bundled:
        raise SystemExit(
            f"error: {path} is the bundled model; it is never overwritten (choose another --out)"
        )
    if path.is_dir():
        raise SystemExit(f"error: --out {path} is a folder; give a file name ending in .pt")
    try:  # before hours of training, not after: a folder that cannot be written, a bad name
        check_writable(path)
    except SaveError as exc:
        raise SystemExit(f"error: {exc}") from None
    return path


def _save_elsewhere(save) -> Path | None:
    """Save a trained model under a new name in the data folder, else the temp folder; the
    path, or None if neither can be written."""
    import tempfile

    for folder in (lambda: paths.user_data_dir() / "models", lambda: Path(tempfile.gettempdir())):
        try:
            return save(paths.new_model_path("unsaved", folder()), replace=False)
        except OSError:
            continue
    return None


def cmd_calibrate(args) -> int:
    from .data.drawn_digits import load_pen_digits
    from .retrain.checkpoint import save_checkpoint
    from .retrain.rejection import fit_rejector, load_pen_characters

    loaded = _load_model(args.checkpoint)
    try:
        digits, characters = load_pen_digits(args.pen), load_pen_characters(args.negatives)
        out = _train_output(args.out)
        rejector = fit_rejector(loaded.model, digits, characters)
    except ValueError as exc:
        raise SystemExit(f"error: {exc}") from None
    loaded.model.rejector = rejector
    meta = loaded.metadata
    out = save_checkpoint(
        out,
        loaded.model,
        train_config=meta.get("train_config"),
        metrics=meta.get("metrics"),
        notes=meta.get("notes", ""),
        replay=loaded.replay.entry() if loaded.replay is not None else None,  # kept, if any
    )
    _print(json.dumps(rejector))
    _print(f"wrote {out}")
    return 0


def cmd_download(args) -> int:
    from tqdm import tqdm

    from .data.mnist import MnistError, download_mnist

    folder = paths.default_mnist_dir(args.mnist)
    bars: dict[str, tqdm] = {}

    def report(name: str, done: int, total: int | None) -> None:
        bar = bars.get(name)
        if bar is None or (done == 0 and bar.n):  # a new file, or the next mirror's attempt
            if bar is not None:
                bar.close()
            bar = bars[name] = tqdm(total=total, desc=name, unit="B", unit_scale=True,
                                    disable=sys.stderr is None)  # fmt: skip
        bar.update(done - bar.n)

    try:
        download_mnist(folder, progress=report)
    except MnistError as exc:
        raise SystemExit(f"error: {exc}") from None
    finally:
        for bar in bars.values():
            bar.close()
    _print(f"MNIST is in {folder}")
    return 0


def cmd_explain(args) -> int:
    from .explain.report import ExplainError, explain, load_prepared

    loaded = _load_model(args.checkpoint)
    try:
        prepared = load_prepared(args.strokes, args.image)
        result = explain(loaded.model, prepared, args.target, args.versus, args.method,
                         args.unit)  # fmt: skip
    except ExplainError as exc:
        raise SystemExit(f"error: {exc}") from None
    _print(json.dumps(result))
    return 0


def cmd_self_test(args) -> int:
    from .self_test import run_self_test

    return run_self_test()


def _number(kind, text: str, low: float, high: float | None, low_open: bool, what: str):
    try:
        value = kind(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not {what}") from None
    too_low = value <= low if low_open else value < low
    if not math.isfinite(value) or too_low or (high is not None and value >= high):
        raise argparse.ArgumentTypeError(f"{text!r} is not {what}")
    return value


def positive_int(text: str) -> int:
    """argparse type: a whole number of 1 or more (epochs, batch size, --limit, threads)."""
    return _number(int, text, 1, None, False, "a whole number of 1 or more")


def positive_float(text: str) -> float:
    """argparse type: a finite number above 0 (the learning rate, RBF's j)."""
    return _number(float, text, 0.0, None, True, "a number above 0")


def unit_fraction(text: str) -> float:
    """argparse type: a number in [0, 1) (label smoothing, the EMA decay)."""
    return _number(float, text, 0.0, 1.0, False, "a number from 0 up to (not including) 1")


def share(text: str) -> float:
    """argparse type: a share above 0 and at most 1 (--augment-share)."""
    return _number(float, text, 0.0, math.nextafter(1.0, 2.0), True, "a number above 0 up to 1")


class _DefaultsFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Shows "(default: ...)" where there is a default worth saying (not for flags or None)."""

    def _get_help_string(self, action):
        if action.default is None or action.nargs == 0:
            return action.help
        return super()._get_help_string(action)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lenet_gui",
        description="Draw a digit and watch LeNet-5 read it. Without a command: the GUI.",
        epilog="Also installed as `lenet-gui-cli COMMAND`; `COMMAND --help` for its options.",
    )
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="classify the bundled sample digits headless and exit",
    )
    sub = parser.add_subparsers(dest="command")

    def with_checkpoint(p):
        p.add_argument("--checkpoint", help="a checkpoint file (default: the bundled model)")
        return p

    info = with_checkpoint(sub.add_parser("info", help="layer table and checkpoint metadata"))
    info.add_argument(
        "--formulas", action="store_true", help="each layer's parameter count as a formula"
    )
    info.set_defaults(func=cmd_info)

    predict = with_checkpoint(sub.add_parser("predict", help="classify drawings or images"))
    source = predict.add_mutually_exclusive_group(required=True)
    source.add_argument("--strokes", metavar="FILE.json", help="one drawing or a list of them")
    source.add_argument("images", nargs="*", default=[], metavar="IMAGE")
    predict.set_defaults(func=cmd_predict)

    sw = with_checkpoint(sub.add_parser("sweep", help="scores as a drawing is transformed"))
    source = sw.add_mutually_exclusive_group(required=True)
    source.add_argument("--strokes", metavar="FILE.json", help="one drawing or a list of them")
    source.add_argument("images", nargs="*", default=[], metavar="IMAGE")
    sw.add_argument(
        "--transform",
        required=True,
        metavar="NAME",
        help="shift_x, shift_y, scale, rotate, squeeze, stroke_width or noise",
    )
    sw.add_argument("--range", nargs=2, type=float, required=True, metavar=("FROM", "TO"))
    sw.add_argument("--steps", type=int, default=31)
    sw.add_argument("--seed", type=int, default=0, help="the noise pattern (transform noise)")
    sw.set_defaults(func=cmd_sweep)

    fo = with_checkpoint(sub.add_parser("fool", help="smallest input change that flips it"))
    source = fo.add_mutually_exclusive_group(required=True)
    source.add_argument("--strokes", metavar="FILE.json", help="one drawing or a list of them")
    source.add_argument("images", nargs="*", default=[], metavar="IMAGE")
    fo.add_argument("--method", choices=("pgd", "fgsm"), default="pgd")
    fo.add_argument("--target", type=int, choices=range(10), metavar="DIGIT",
                    help="make it read this digit (default: any other)")  # fmt: skip
    fo.set_defaults(func=cmd_fool)

    ex = with_checkpoint(
        sub.add_parser("explain", help="attribution map and a unit's computation, as JSON")
    )
    source = ex.add_mutually_exclusive_group(required=True)
    source.add_argument("--strokes", metavar="FILE.json", help="one drawing")
    source.add_argument("image", nargs="?", metavar="IMAGE")
    digit = {"type": int, "choices": range(10), "metavar": "D"}
    ex.add_argument("--class", dest="target", help="explain this class (default: the top)", **digit)
    ex.add_argument("--versus", help="...rather than this class (score difference)", **digit)
    ex.add_argument("--method", choices=("occlusion", "gradient"), default="occlusion",
                    help="occlusion sensitivity or integrated gradients")  # fmt: skip
    ex.add_argument("--unit", metavar="LAYER:MAP:ROW:COL", help="trace one unit, e.g. C3:4:2:7")
    ex.set_defaults(func=cmd_explain)

    onnx = with_checkpoint(sub.add_parser("export", help="the model as ONNX, checked"))
    onnx.add_argument("--onnx", required=True, metavar="FILE", help="where to write it")
    onnx.add_argument("--pen", metavar="FILE", help="also check on these pen digits")
    onnx.set_defaults(func=cmd_export)

    ev = with_checkpoint(sub.add_parser("eval", help="accuracy on MNIST test or pen digits"))
    data = ev.add_mutually_exclusive_group()
    data.add_argument("--mnist", metavar="DIR", help=f"MNIST folder (default ${paths.MNIST_ENV})")
    data.add_argument("--pen", metavar="FILE", help="pen-digit strokes (unipen_dev.json.gz)")
    ev.add_argument("--seed", type=int, default=0, help="placement of pen digits on the canvas")
    ev.set_defaults(func=cmd_eval)

    dl = sub.add_parser("download", help="download MNIST (MD5-verified) into the data folder")
    dl.add_argument("--mnist", metavar="DIR", help=f"where to (default ${paths.MNIST_ENV}, else "
                    "the user data folder)")  # fmt: skip
    dl.set_defaults(func=cmd_download)

    tr = sub.add_parser(
        "train",
        help="train LeNet-5 on MNIST and write a checkpoint",
        formatter_class=_DefaultsFormatter,
    )
    tr.add_argument("--mnist", metavar="DIR", help=f"MNIST folder (default ${paths.MNIST_ENV})")
    # Defaults come from TrainConfig, so they live in one place (and `--help` shows them).
    d = TrainConfig()
    tr.add_argument("--epochs", type=positive_int, default=d.epochs, help="passes over the data")
    tr.add_argument("--batch-size", type=positive_int, default=d.batch_size, help="images a step")
    tr.add_argument("--lr", type=positive_float, dest="learning_rate", default=d.learning_rate,
                    help="peak learning rate, after a warm-up; cosine decay")  # fmt: skip
    tr.add_argument("--optimizer", choices=("adam", "sgd"), default=d.optimizer, help="optimizer")
    tr.add_argument("--seed", type=int, default=d.seed, help="weights, order and augmentation")
    tr.add_argument("--no-augment", dest="augment", action="store_false", default=d.augment,
                    help="train without augmentation (it is on unless this is given)")  # fmt: skip
    tr.add_argument("--augment-share", type=share, default=d.augment_share,
                    help="share of each batch distorted by the augmentation")  # fmt: skip
    tr.add_argument("--label-smoothing", type=unit_fraction, default=d.label_smoothing,
                    help="label smoothing of the cross-entropy")  # fmt: skip
    tr.add_argument("--ema-decay", type=unit_fraction, default=d.ema_decay,
                    help="average the weights with this decay (0: off)")  # fmt: skip
    tr.add_argument(
        "--output",
        choices=("linear", "rbf"),
        default="linear",
        help="output layer: linear + softmax, or the paper's RBF prototypes",
    )
    tr.add_argument("--rbf-j", type=positive_float, default=d.rbf_j,
                    help="the constant j of the paper's RBF loss (eq. 9)")  # fmt: skip
    tr.add_argument("--limit", type=positive_int, help="train on the first N images only")
    tr.add_argument(
        "--threads", type=positive_int, help="torch threads (1 is fastest on a busy machine)"
    )
    tr.add_argument("--init", metavar="CHECKPOINT", help="fine-tune this checkpoint")
    tr.add_argument(
        "--pen",
        metavar="FILE",
        help="also measure pen-digit accuracy (all of them, and the held-out writers')",
    )
    tr.add_argument(
        "--train-pen",
        action="store_true",
        help="also train on the --pen file's train writers' digits (rejection.writer_split; "
        "the dev and held-out writers' are never trained on)",
    )
    tr.add_argument(
        "--out",
        metavar="FILE.pt",
        help="checkpoint to write (default: lenet5-DATE-TIME.pt in the user data folder's "
        "models/; never the bundled model)",
    )
    tr.add_argument(
        "--negatives",
        metavar="FILE",
        help="outlier exposure with pen non-digits (unipen_nondigits_dev.json.gz, train writers "
        "only) and synthetic marks",
    )
    tr.add_argument("--outlier-weight", type=positive_float, default=d.outlier_weight,
                    help="weight of the outlier-exposure loss (with --negatives)")  # fmt: skip
    tr.add_argument("--pen-placements", type=positive_int, default=4,
                    help="placements of each train writer's pen digit (--train-pen)")  # fmt: skip
    tr.add_argument("--negative-placements", type=positive_int, default=10,
                    help="placements of each train writer's non-digit (--negatives)")  # fmt: skip
    tr.add_argument("--pen-share", type=unit_fraction, default=PEN_SHARE,
                    help="share of the draws that are pen digits (--train-pen)")  # fmt: skip
    tr.add_argument("--distort-strokes", action="store_true",
                    help="distort the pen strokes of each placement (rotation, slant, aspect, "
                    "jitter, pen width; stroke_distortion) before it is rendered")  # fmt: skip
    tr.add_argument("--digit-styles", action="store_true",
                    help="with --distort-strokes: add a slash to some 0s, a bar to some 7s, a "
                    "flag to some 1s (stroke_distortion.with_style_stroke)")  # fmt: skip
    tr.set_defaults(func=cmd_train)

    cal = with_checkpoint(
        sub.add_parser("calibrate", help="fit the temperature and the 'not a digit' threshold")
    )
    cal.add_argument("--pen", metavar="FILE", required=True, help="unipen_dev.json.gz")
    cal.add_argument("--negatives", metavar="FILE", required=True, help="pen non-digits file")
    cal.add_argument("--out", required=True, metavar="FILE.pt",
                     help="the calibrated checkpoint to write (not the bundled one)")  # fmt: skip
    cal.set_defaults(func=cmd_calibrate)
    return parser


def main(argv: list[str] | None = None) -> int:
    from .system.qt_options import split_qt_options

    argv = sys.argv[1:] if argv is None else list(argv)
    qt_options, rest = split_qt_options(argv)
    parser = build_parser()
    args = parser.parse_args(rest)
    if qt_options and (args.command or args.self_test):
        parser.error(f"{' '.join(qt_options)}: Qt's options apply to the GUI only")
    if args.self_test:
        return cmd_self_test(args)
    if args.command is None:  # the GUI shows its window before importing torch
        from .ui.app import run_app

        return run_app([sys.argv[0] if sys.argv else "lenet-gui", *qt_options])
    try:
        return args.func(args)
    except Exception as exc:  # the one boundary: a line on stderr, exit 1, never a traceback
        raise SystemExit(f"error: {error_line(exc)}") from None


def error_line(exc: Exception) -> str:
    """One line for a failed command. The core's errors (CheckpointError, MnistError,
    PenDigitsError, ValueError, OSError) are written for people; anything else is a defect, so
    its traceback goes to the log and the line says where."""
    user_facing = isinstance(exc, (ValueError, OSError)) or type(exc).__name__ in (
        "CheckpointError",
        "MnistError",
    )
    if isinstance(exc, OSError) and exc.strerror:
        text = f"{exc.filename}: {exc.strerror}" if exc.filename else exc.strerror
    elif user_facing:
        text = str(exc) or type(exc).__name__
    else:
        from .system.logs import setup_logging, where_logged

        setup_logging(crash_log=False)
        log.error("command failed", exc_info=exc)
        text = f"unexpected {type(exc).__name__}: {exc}. {where_logged()}"
    return " ".join(part.strip() for part in text.splitlines() if part.strip())
