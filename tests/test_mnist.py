"""MNIST reading and downloading, against generated IDX files and a real local HTTP server."""

from __future__ import annotations

import functools
import gzip
import hashlib
import http.server
import itertools
import os
import socket
import struct
import threading
from pathlib import Path

import numpy as np
import pytest
from memory_cap import run_capped

from lenet_gui.data.mnist import (
    FILES,
    MIRRORS,
    MnistDownloadCancelled,
    MnistError,
    download_mnist,
    find_file,
    has_mnist,
    load_mnist,
    read_idx,
)
from lenet_gui.system.paths import MNIST_ENV

# SHA-256 of the decompressed files, from /work/shared/data/mnist/README.md.
REAL_SHA256 = {
    "train-images": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "test-images": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "test-labels": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}


def idx_bytes(array: np.ndarray, magic: int | None = None) -> bytes:
    """An IDX file for a uint8 array: big-endian magic, dimensions, then the raw data."""
    if magic is None:
        magic = 0x0800 | array.ndim
    header = struct.pack(f">I{array.ndim}I", magic, *array.shape)
    return header + array.astype(np.uint8).tobytes()


def write(path: Path, data: bytes, compress: bool = False) -> Path:
    path.write_bytes(gzip.compress(data) if compress else data)
    return path


def sample(n: int = 5, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, size=n, dtype=np.uint8)
    return images, labels


def write_split(folder: Path, split: str, images, labels, compress: bool = True) -> None:
    for key, array in ((f"{split}-images", images), (f"{split}-labels", labels)):
        name = FILES[key][0] if compress else FILES[key][0].removesuffix(".gz")
        write(folder / name, idx_bytes(array), compress)


# --- read_idx --------------------------------------------------------------------------------


@pytest.mark.parametrize("compress", [False, True])
def test_read_idx_round_trips_images_and_labels(tmp_path, compress):
    images, labels = sample(7)
    got_images = read_idx(write(tmp_path / "img", idx_bytes(images), compress))
    got_labels = read_idx(write(tmp_path / "lab", idx_bytes(labels), compress))
    assert got_images.dtype == np.uint8 and got_images.shape == (7, 28, 28)
    assert got_labels.dtype == np.uint8 and got_labels.shape == (7,)
    np.testing.assert_array_equal(got_images, images)
    np.testing.assert_array_equal(got_labels, labels)


def test_read_idx_detects_gzip_by_content_not_name(tmp_path):
    images, _ = sample(3)
    path = write(tmp_path / "no-suffix-but-gzip", idx_bytes(images), compress=True)
    np.testing.assert_array_equal(read_idx(path), images)


def test_read_idx_rejects_wrong_magic(tmp_path):
    images, _ = sample(2)
    path = write(tmp_path / "bad-magic", idx_bytes(images, magic=0x12345678))
    with pytest.raises(MnistError, match="not an MNIST IDX file") as info:
        read_idx(path)
    assert str(path) in str(info.value)


def test_read_idx_rejects_non_byte_dtype(tmp_path):
    path = write(tmp_path / "floats", idx_bytes(np.zeros(4, np.uint8), magic=0x00000D01))
    with pytest.raises(MnistError, match="not unsigned bytes"):
        read_idx(path)


def test_read_idx_rejects_truncated_data(tmp_path):
    images, _ = sample(3)
    path = write(tmp_path / "short.gz", idx_bytes(images)[:-10], compress=True)
    with pytest.raises(MnistError, match="truncated") as info:
        read_idx(path)
    message = str(info.value)
    assert str(path) in message and "2352" in message and "2342" in message


def test_read_idx_rejects_extra_trailing_bytes(tmp_path):
    _, labels = sample(4)
    path = write(tmp_path / "long", idx_bytes(labels) + b"\0\0\0")
    with pytest.raises(MnistError, match="longer than its header") as info:
        read_idx(path)
    assert "needs 4 bytes" in str(info.value) and "found 7" in str(info.value)


def test_read_idx_rejects_corrupt_gzip(tmp_path):
    images, _ = sample(3)
    packed = bytearray(gzip.compress(idx_bytes(images)))
    packed[len(packed) // 2 :] = b"\xff" * (len(packed) - len(packed) // 2)
    path = write(tmp_path / "corrupt.gz", bytes(packed))
    with pytest.raises(MnistError, match="damaged gzip") as info:
        read_idx(path)
    assert str(path) in str(info.value)


def test_read_idx_missing_file_names_it(tmp_path):
    with pytest.raises(MnistError, match="nothing-here"):
        read_idx(tmp_path / "nothing-here")


# --- find_file / has_mnist / load_mnist ------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["t10k-labels-idx1-ubyte.gz", "t10k-labels-idx1-ubyte", "t10k-labels.idx1-ubyte"]
)
def test_find_file_accepts_compressed_and_unpacked_names(tmp_path, name):
    (tmp_path / name).write_bytes(b"")
    assert find_file(tmp_path, "test-labels") == tmp_path / name


def test_find_file_missing_lists_what_it_looked_for(tmp_path):
    with pytest.raises(MnistError) as info:
        find_file(tmp_path, "train-images")
    message = str(info.value)
    assert str(tmp_path) in message
    for name in ("train-images-idx3-ubyte.gz", "train-images-idx3-ubyte", "train-images.idx3"):
        assert name in message


def test_has_mnist_needs_all_four_files(tmp_path):
    images, labels = sample(2)
    write_split(tmp_path, "train", images, labels)
    assert not has_mnist(tmp_path)
    write_split(tmp_path, "test", images, labels, compress=False)
    assert has_mnist(tmp_path)


def test_load_mnist_reads_both_splits(tmp_path):
    train, test = sample(6, seed=1), sample(3, seed=2)
    write_split(tmp_path, "train", *train)
    write_split(tmp_path, "test", *test, compress=False)
    for split, (images, labels) in (("train", train), ("test", test)):
        got_images, got_labels = load_mnist(tmp_path, split)
        np.testing.assert_array_equal(got_images, images)
        np.testing.assert_array_equal(got_labels, labels)


def test_load_mnist_rejects_mismatched_counts(tmp_path):
    images, labels = sample(5)
    write_split(tmp_path, "train", images, labels[:4])
    with pytest.raises(MnistError, match=r"5 images but .* 4 labels"):
        load_mnist(tmp_path, "train")


def test_load_mnist_rejects_labels_above_nine(tmp_path):
    images, labels = sample(3)
    labels[1] = 10
    write_split(tmp_path, "train", images, labels)
    with pytest.raises(MnistError, match="label 10"):
        load_mnist(tmp_path)


def test_load_mnist_rejects_wrong_image_size(tmp_path):
    images = np.zeros((3, 32, 32), np.uint8)
    write_split(tmp_path, "train", images, np.zeros(3, np.uint8))
    with pytest.raises(MnistError, match="28x28"):
        load_mnist(tmp_path)


def test_load_mnist_missing_files(tmp_path):
    with pytest.raises(MnistError, match=r"train-images-idx3-ubyte\.gz"):
        load_mnist(tmp_path / "absent")


# --- download against a local HTTP server ----------------------------------------------------


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@pytest.fixture
def server(tmp_path):
    """Serves tmp_path/www over HTTP on 127.0.0.1; yields (www folder, base URL)."""
    www = tmp_path / "www"
    www.mkdir()
    handler = functools.partial(_QuietHandler, directory=str(www))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield www, f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=5)


@pytest.fixture
def closed_port_url():
    """A URL on 127.0.0.1 where nothing listens: connections are refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/mnist/"


def make_mirror(www: Path, sub: str, n: int = 300, seed: int = 0) -> dict[str, tuple[str, str]]:
    """Write the four .gz files into www/sub and return a `files` dict with their MD5s.

    300 random images give about 235 kB, several download chunks.
    """
    folder = www / sub
    folder.mkdir(parents=True, exist_ok=True)
    write_split(folder, "train", *sample(n, seed))
    write_split(folder, "test", *sample(n // 3, seed + 1))
    return {
        key: (name, hashlib.md5((folder / name).read_bytes()).hexdigest())
        for key, (name, _) in FILES.items()
    }


def leftovers(dest: Path) -> list[str]:
    return sorted(p.name for p in dest.iterdir()) if dest.exists() else []


def test_download_checksum_pass(server, tmp_path):
    www, base = server
    files = make_mirror(www, "a")
    dest = download_mnist(tmp_path / "dest", mirrors=(base + "a/",), files=files, timeout=5)
    assert leftovers(dest) == sorted(name for name, _ in files.values())
    images, labels = load_mnist(dest, "train")
    assert images.shape == (300, 28, 28) and labels.shape == (300,)
    assert load_mnist(dest, "test")[0].shape == (100, 28, 28)


def test_download_checksum_fails_on_every_mirror(server, tmp_path):
    www, base = server
    files = make_mirror(www, "a")
    make_mirror(www, "b", seed=5)  # different bytes under the same names
    wrong = {key: (name, "0" * 32) for key, (name, _) in files.items()}
    dest = tmp_path / "dest"
    with pytest.raises(MnistError) as info:
        download_mnist(dest, mirrors=(base + "a/", base + "b/"), files=wrong, timeout=5)
    message = str(info.value)
    assert message.count("checksum mismatch") == 2
    assert base + "a/" in message and base + "b/" in message
    assert "no internet" not in message
    assert leftovers(dest) == []


@pytest.mark.parametrize("bad", ["missing/", "wrong/"])
def test_download_falls_back_to_next_mirror(server, tmp_path, bad):
    www, base = server
    files = make_mirror(www, "good")
    make_mirror(www, "wrong", seed=9)
    dest = download_mnist(
        tmp_path / "dest", mirrors=(base + bad, base + "good/"), files=files, timeout=5
    )
    for key, (name, md5) in files.items():
        assert hashlib.md5((dest / name).read_bytes()).hexdigest() == md5, key
    assert not any(name.endswith(".part") for name in leftovers(dest))
    assert load_mnist(dest, "test")[1].shape == (100,)


def test_download_skips_unreachable_mirror(server, tmp_path, closed_port_url):
    www, base = server
    files = make_mirror(www, "a")
    dest = download_mnist(
        tmp_path / "dest", mirrors=(closed_port_url, base + "a/"), files=files, timeout=5
    )
    assert has_mnist(dest)


def test_download_all_unreachable_says_no_internet(tmp_path, closed_port_url):
    dest = tmp_path / "dest"
    with pytest.raises(MnistError, match="no internet connection") as info:
        download_mnist(dest, mirrors=(closed_port_url,), files=FILES, timeout=5)
    assert "cannot connect" in str(info.value)
    assert leftovers(dest) == []


def test_download_keeps_verified_files_and_replaces_bad_ones(server, tmp_path, closed_port_url):
    www, base = server
    files = make_mirror(www, "a")
    dest = tmp_path / "dest"
    dest.mkdir()
    for name, _ in files.values():
        (dest / name).write_bytes((www / "a" / name).read_bytes())
    download_mnist(dest, mirrors=(closed_port_url,), files=files, timeout=5)  # no network needed

    broken = files["train-labels"][0]
    (dest / broken).write_bytes(b"garbage")
    download_mnist(dest, mirrors=(base + "a/",), files=files, timeout=5)
    assert (dest / broken).read_bytes() == (www / "a" / broken).read_bytes()


def test_download_should_stop_cancels_and_cleans_up(server, tmp_path):
    www, base = server
    files = make_mirror(www, "a")
    calls = []

    def should_stop() -> bool:
        calls.append(1)
        return len(calls) >= 3  # mid-way through the first file

    dest = tmp_path / "dest"
    with pytest.raises(MnistDownloadCancelled):
        download_mnist(dest, mirrors=(base + "a/",), files=files, should_stop=should_stop)
    assert len(calls) == 3
    assert leftovers(dest) == []


def test_download_progress_reports_increasing_bytes(server, tmp_path):
    www, base = server
    files = make_mirror(www, "a")
    seen: dict[str, list[tuple[int, int | None]]] = {}

    def progress(name: str, done: int, total: int | None) -> None:
        seen.setdefault(name, []).append((done, total))

    download_mnist(tmp_path / "dest", mirrors=(base + "a/",), files=files, progress=progress)
    assert set(seen) == {name for name, _ in files.values()}
    big = files["train-images"][0]
    size = (www / "a" / big).stat().st_size
    done = [d for d, _ in seen[big]]
    assert len(done) > 2, "expected several chunks"
    assert done[0] == 0 and done[-1] == size
    assert all(a < b for a, b in itertools.pairwise(done))
    assert {t for _, t in seen[big]} == {size}


def test_default_mirrors_are_base_urls():
    assert all(m.endswith("/") for m in MIRRORS) and len(MIRRORS) == 3


# --- the real data, when available -----------------------------------------------------------


def test_real_mnist_matches_readme_checksums():
    folder = os.environ.get(MNIST_ENV)
    if not folder or not has_mnist(folder):
        pytest.skip("MNIST not found: set LENET_MNIST_DIR to a folder with the four IDX .gz files")
    for split, count in (("train", 60000), ("test", 10000)):
        images, labels = load_mnist(folder, split)
        assert images.shape == (count, 28, 28) and labels.shape == (count,)
    for key, expected in REAL_SHA256.items():
        path = find_file(folder, key)
        raw = path.read_bytes()
        data = gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw
        assert hashlib.sha256(data).hexdigest() == expected, path


# --- bounds on what a file can cost -----------------------------------------------------------

GZIP_BOMB_SCRIPT = """
import gzip, struct, sys, tempfile, zlib
from pathlib import Path
from lenet_gui.data.mnist import MnistError, read_idx
folder = Path(tempfile.mkdtemp())
zeros = bytes(2**20)
images = struct.pack(">IIII", 0x803, 60000, 28, 28)
for name, header in (("zeros.gz", b""), ("declared.gz", images)):
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)  # gzip framing
    body = [compressor.compress(header)] + [compressor.compress(zeros) for _ in range(300)]
    (folder / name).write_bytes(b"".join(body) + compressor.flush())
cap(80)
for name in ("zeros.gz", "declared.gz"):
    try:
        read_idx(folder / name)
        print("read")
    except MnistError as exc:
        print("refused:", str(exc).split(" is ")[1].split(":")[0])
"""


def test_a_gzip_bomb_is_refused_after_its_header():
    """A 2 MB gzip bomb named as MNIST was refused after 10.6 s and 4.3 GB."""
    done = run_capped(GZIP_BOMB_SCRIPT, extra_mb=80)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.splitlines() == [
        "refused: not an MNIST IDX file (magic 00000000, expected 00000801 for labels or "
        "00000803 for images).",
        "refused: longer than its header says",
    ]


@pytest.mark.parametrize("dims", [(10**6, 28, 28), (5, 1000, 1000), (10**7,)])
def test_headers_declaring_more_than_mnist_are_refused_before_reading(tmp_path, dims):
    path = write(tmp_path / "big", struct.pack(f">I{len(dims)}I", 0x800 | len(dims), *dims))
    with pytest.raises(MnistError, match="It is not an MNIST file"):
        read_idx(path)


def test_a_folder_with_no_images_is_an_error_not_a_traceback(tmp_path):
    from lenet_gui import cli

    empty = np.zeros((0, 28, 28), np.uint8)
    for key, array in (("images", empty), ("labels", np.zeros(0, np.uint8))):
        for split in ("train", "test"):
            write(tmp_path / FILES[f"{split}-{key}"][0], idx_bytes(array), compress=True)
    with pytest.raises(MnistError, match="holds no images"):
        load_mnist(tmp_path, "test")
    for command in (["eval", "--mnist", str(tmp_path)], ["train", "--mnist", str(tmp_path)]):
        with pytest.raises(SystemExit, match=r"^error: .*holds no images"):
            cli.main(command)
