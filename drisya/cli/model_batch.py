"""`drisya models batch`: write a batch-capable copy of the matting graph next to it, verified against
the original, so the network stage can run several images in one call (issue 12).

What pins ISNet to a batch of one (the npm export, opset 15): the graph input and all twelve outputs
declare a batch dimension of 1, and so do the 722 intermediate shapes (`value_info`) the exporter
recorded; onnxruntime refuses any other batch. Its 39 Resize nodes are not the problem: their target
`sizes` are `Shape(x)[0:2]` joined to a constant height and width, so they follow the batch. There is
no Reshape, Expand or Flatten. The rewrite therefore:

- declares the input's and the kept output's first dimension symbolic (`batch`);
- keeps only the output the engine reads (the first); the other eleven are the training-time side
  outputs and decoder features, each as large as the matte or larger, which a batch would otherwise
  compute and hold N times. The nodes and weights only they need are dropped;
- drops the recorded intermediate shapes and lets ONNX's strict shape inference derive them again with
  the symbolic batch (an inconsistent graph fails here, before anything is written);
- sorts the nodes topologically (the fp16 export lists its Cast nodes last, which onnxruntime tolerates
  and ONNX's checker does not);
- refuses graphs it cannot reason about: subgraphs (If/Loop/Scan), a Reshape or Resize whose constant
  target fixes the batch at 1.

Weights are copied as they are (fp16 stays fp16, fp32 stays fp32). The copy is then run on N different
synthetic product photos in one batch and each matte compared with a run of the ORIGINAL graph on that
photo alone; a copy further than `TOLERANCE` from it is refused (never installed). The manifest,
written last, records both files' sha256 so the engine uses only the copy that was verified.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import onnx

BATCH_DIM = "batch"
# Half a uint8 step: the network stage hands on uint8 mattes, so a copy within this of the original
# changes any matte by at most one level. Measured on the CPU: 2.3e-4, the same size as the original's
# own difference between onnxruntime's basic and full graph optimisations (1.7e-4).
TOLERANCE = 0.5 / 255.0
_SUBGRAPH_OPS = ("If", "Loop", "Scan")


class BatchGraphError(RuntimeError):
    """The copy cannot be made or failed its check; nothing was installed."""


@dataclass(frozen=True)
class Verification:
    images: int
    max_abs_diff: float  # batched copy vs per-image runs of the original, on the activated mattes
    min_spread: float  # smallest difference between two images' mattes: the check can tell them apart
    providers: list[str]


@dataclass(frozen=True)
class Installed:
    copy: Path
    manifest: Path
    verification: Verification | None  # None: an intact verified copy was already there
    recorded: dict


# --- the rewrite -------------------------------------------------------------------------------------


def make_batch_capable(model: onnx.ModelProto, *, keep: list[str] | None = None) -> onnx.ModelProto:
    """A copy of `model` whose input and kept outputs (default: the first) take any batch size."""
    import onnx

    out = onnx.ModelProto()
    out.CopyFrom(model)
    graph = out.graph
    for node in graph.node:
        if node.op_type in _SUBGRAPH_OPS or any(a.type in (a.GRAPH, a.GRAPHS) for a in node.attribute):
            raise BatchGraphError(f"the graph has a subgraph ({node.op_type} {node.name!r}); not supported")
    keep = keep or [graph.output[0].name]
    missing = set(keep) - {o.name for o in graph.output}
    if missing:
        raise BatchGraphError(f"the graph has no output named {', '.join(sorted(missing))}")
    kept = [o for o in graph.output if o.name in keep]
    del graph.output[:]
    graph.output.extend(kept)

    nodes = _needed_in_order(graph, [o.name for o in kept])
    del graph.node[:]
    graph.node.extend(nodes)
    used = {name for node in nodes for name in node.input} | {o.name for o in kept}
    weights = [t for t in graph.initializer if t.name in used]
    del graph.initializer[:]
    graph.initializer.extend(weights)
    weight_names = {t.name for t in weights}
    inputs = [i for i in graph.input if i.name in used or i.name in weight_names]
    del graph.input[:]
    graph.input.extend(inputs)

    _refuse_fixed_batch(graph)
    for value in [*(i for i in graph.input if i.name not in weight_names), *graph.output]:
        _symbolic_batch(value)
    del graph.value_info[:]
    try:
        out = onnx.shape_inference.infer_shapes(out, strict_mode=True)
        onnx.checker.check_model(out)
    except Exception as exc:  # onnx raises its own classes for both
        raise BatchGraphError(f"the rewritten graph does not check: {exc}".strip()) from exc
    return out


def _needed_in_order(graph: onnx.GraphProto, outputs: list[str]) -> list[onnx.NodeProto]:
    """The nodes the outputs depend on, each after the nodes that produce its inputs; among nodes
    free to go, the original order is kept (Kahn's algorithm over the original list)."""
    producer = {name: i for i, node in enumerate(graph.node) for name in node.output if name}
    needed: set[int] = set()
    stack = [producer[name] for name in outputs if name in producer]
    while stack:
        i = stack.pop()
        if i in needed:
            continue
        needed.add(i)
        stack.extend(producer[n] for n in graph.node[i].input if n in producer)
    waiting = {i: {producer[n] for n in graph.node[i].input if n in producer} for i in needed}
    users: dict[int, list[int]] = {}
    for i, deps in waiting.items():
        for d in deps:
            users.setdefault(d, []).append(i)
    ready = sorted(i for i, deps in waiting.items() if not deps)
    order: list[int] = []
    while ready:
        i = ready.pop(0)
        order.append(i)
        for u in users.get(i, ()):
            waiting[u].discard(i)
            if not waiting[u]:
                ready.append(u)
        ready.sort()
    if len(order) != len(needed):
        raise BatchGraphError("the graph has a cycle")
    return [graph.node[i] for i in order]


def _constants(graph: onnx.GraphProto) -> dict[str, np.ndarray]:
    from onnx import numpy_helper

    values = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
    for node in graph.node:
        if node.op_type == "Constant":
            for attr in node.attribute:
                if attr.name == "value":
                    values[node.output[0]] = numpy_helper.to_array(attr.t)
    return values


def _refuse_fixed_batch(graph: onnx.GraphProto) -> None:
    """A Reshape to a constant shape starting with 1, or a Resize to constant sizes starting with 1,
    would put every batch back to one image (or fail): such graphs need a rewrite this does not do."""
    constants = _constants(graph)
    for node in graph.node:
        target = None
        if node.op_type == "Reshape" and len(node.input) > 1:
            target = constants.get(node.input[1])
        elif node.op_type == "Resize" and len(node.input) > 3 and node.input[3]:
            target = constants.get(node.input[3])
        if target is not None and target.size and int(target.reshape(-1)[0]) == 1:
            raise BatchGraphError(
                f"{node.op_type} {node.name!r} has a constant target {target.tolist()} that fixes the batch at 1"
            )


def _symbolic_batch(value: onnx.ValueInfoProto) -> None:
    dims = value.type.tensor_type.shape.dim
    if not dims:
        raise BatchGraphError(f"{value.name!r} has no declared shape, so no batch dimension to free")
    if dims[0].HasField("dim_value") and dims[0].dim_value != 1:
        raise BatchGraphError(f"{value.name!r} declares a batch of {dims[0].dim_value}, expected 1")
    dims[0].Clear()
    dims[0].dim_param = BATCH_DIM


# --- the check ---------------------------------------------------------------------------------------


def sample_photos(count: int, *, size: tuple[int, int] = (720, 560), seed: int = 12) -> list[np.ndarray]:
    """`count` different product shots on white (RGB uint8): an off-white, slightly vignetted sweep with
    sensor noise, a product of its own shape, colour and shading, and a soft contact shadow. Made here
    so the check needs no data set and runs offline."""
    import cv2

    h, w = size
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    photos = []
    for k in range(count):
        r = np.hypot((xx - w / 2) / w, (yy - h / 2) / h)
        img = np.repeat((246 - 18 * r**2)[..., None], 3, axis=2)
        cx, cy = w * rng.uniform(0.38, 0.62), h * rng.uniform(0.42, 0.55)
        pw, ph = w * rng.uniform(0.18, 0.3), h * rng.uniform(0.2, 0.34)
        base = int(cy + ph)
        shadow = np.zeros((h, w), np.float32)
        cv2.ellipse(shadow, (int(cx), base), (int(pw * 1.1), int(ph * 0.12)), 0, 0, 360, 1.0, -1)
        img *= 1 - 0.35 * cv2.GaussianBlur(shadow, (0, 0), 9)[..., None]
        mask = np.zeros((h, w), np.uint8)
        if k % 3 == 0:  # a bottle: body and neck
            cv2.rectangle(mask, (int(cx - pw / 2), int(cy - ph / 2)), (int(cx + pw / 2), base), 255, -1)
            cv2.rectangle(
                mask, (int(cx - pw / 6), int(cy - ph)), (int(cx + pw / 6), int(cy - ph / 2)), 255, -1
            )
        elif k % 3 == 1:  # a round product
            cv2.ellipse(
                mask, (int(cx), int(base - ph * 2 / 3)), (int(pw / 2), int(ph * 2 / 3)), 0, 0, 360, 255, -1
            )
        else:  # a box at an angle
            box = cv2.boxPoints(((cx, cy + ph / 3), (pw, ph * 1.3), float(rng.uniform(-25, 25))))
            cv2.fillPoly(mask, [box.astype(np.int32)], 255)
        hsv = np.uint8(
            [[[int(180 * ((0.37 * k + 0.05) % 1.0)), rng.integers(90, 230), rng.integers(70, 220)]]]
        )
        colour = cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB)[0, 0].astype(np.float32)  # a hue of its own
        shade = 0.65 + 0.5 * (xx - (cx - pw)) / (2 * pw)  # lit from one side
        product = np.clip(colour[None, None, :] * np.clip(shade, 0.5, 1.2)[..., None], 0, 255)
        alpha = cv2.GaussianBlur(mask.astype(np.float32) / 255, (0, 0), 1.2)[..., None]
        img = img * (1 - alpha) + product * alpha
        img += rng.normal(0, 2.5, img.shape)
        photos.append(np.clip(img, 0, 255).astype(np.uint8))
    return photos


def verify_copy(model_path: Path, copy_path: Path, family: str, photos: list[np.ndarray]) -> Verification:
    """Run `photos` through the copy in one batch and through the original one by one; compare the
    activated mattes (what the engine quantises). Raises BatchGraphError when they differ by more than
    `TOLERANCE`, or when the photos' own mattes are too alike for the comparison to mean anything
    (a copy that mixed up or repeated images would then pass unseen)."""
    import onnxruntime as ort

    from engine.matting.model import ModelSession

    if len(photos) < 2:
        raise BatchGraphError("the check needs at least 2 images in its batch")
    original = ModelSession(model_path, family, runtime="onnxruntime")
    xs = [original.preprocess(rgb) for rgb in photos]
    try:
        singles = [original.activate(original.run(x)) for x in xs]
    except Exception as exc:  # onnxruntime's own classes
        raise BatchGraphError(
            f"the model {model_path} itself does not run as {family}: {exc}".strip()
        ) from exc
    try:
        copy = ort.InferenceSession(str(copy_path), providers=original.providers)
        inp, out = copy.get_inputs()[0].name, copy.get_outputs()[0].name
        (raw,) = copy.run([out], {inp: np.concatenate(xs)})
    except Exception as exc:  # onnxruntime's own classes
        raise BatchGraphError(f"the copy does not run on a batch of {len(xs)}: {exc}".strip()) from exc
    if raw.shape[0] != len(xs):
        raise BatchGraphError(
            f"the copy returned {raw.shape[0]} outputs for a batch of {len(xs)}; not installed"
        )
    batched = [original.activate(raw[i : i + 1]) for i in range(len(xs))]
    diff = max(float(np.abs(a - b).max()) for a, b in zip(batched, singles, strict=True))
    spread = min(
        float(np.abs(singles[i] - singles[j]).max()) for i in range(len(xs)) for j in range(i + 1, len(xs))
    )
    result = Verification(len(xs), diff, spread, list(original.providers))
    if spread <= 10 * TOLERANCE:
        raise BatchGraphError(
            f"the check images gave near-identical mattes (they differ by {spread:.1e} at most), "
            "so they cannot show that the batch keeps images apart"
        )
    if not diff <= TOLERANCE:  # also refuses NaN
        raise BatchGraphError(
            f"the batched copy differs from per-image runs of the original by {diff:.2e} "
            f"(tolerance {TOLERANCE:.2e}); not installed"
        )
    return result


# --- install -----------------------------------------------------------------------------------------


def install_batch_copy(
    model_path: str | Path,
    family: str,
    *,
    images: int = 3,
    force: bool = False,
    log: Callable[[str], None] = print,
) -> Installed:
    """Write, verify and install the batch copy of `model_path` next to it (idempotent: an intact,
    verified copy of this very model is kept unless `force`). Raises BatchGraphError and leaves no new
    file behind when the rewrite or the check fails; a copy that was there but no longer matches its
    manifest is removed first, since the engine would refuse it anyway."""
    import onnx
    import onnxruntime as ort

    from engine.matting.model import batch_copy_paths, batch_copy_problem, file_sha256

    model_path = Path(model_path)
    copy_path, manifest_path = batch_copy_paths(model_path)
    problem = batch_copy_problem(model_path)
    if problem is None and not force:
        recorded = json.loads(manifest_path.read_text())
        return Installed(copy_path, manifest_path, None, recorded)
    if problem is not None and problem != "no batch copy installed":
        log(f"{problem}: removing it and writing a new copy")
    manifest_path.unlink(missing_ok=True)  # from here on the engine sees no copy until one passes
    copy_path.unlink(missing_ok=True)

    try:
        model = onnx.load(str(model_path))
    except Exception as exc:  # onnx's protobuf errors
        raise BatchGraphError(f"cannot read {model_path} as an ONNX model: {exc}".strip()) from exc
    batched = make_batch_capable(model)
    source_sha = file_sha256(model_path)
    batched.metadata_props.add(key="drisya.batch_copy_of", value=f"{model_path.name} sha256 {source_sha}")
    part = copy_path.with_name(f".{copy_path.name}.{os.getpid()}.part")
    try:
        onnx.save(batched, str(part))
        log(f"checking the copy on a batch of {images} against the original, image by image ...")
        result = verify_copy(model_path, part, family, sample_photos(images))
        recorded = {
            "source": model_path.name,
            "source_sha256": source_sha,
            "sha256": file_sha256(part),
            "size": part.stat().st_size,
            "family": family,
            "batch_dim": BATCH_DIM,
            "outputs": [o.name for o in batched.graph.output],
            "verified": {
                "images": result.images,
                "max_abs_diff": result.max_abs_diff,
                "tolerance": TOLERANCE,
                "providers": result.providers,
                "onnxruntime": ort.__version__,
            },
            "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        }
        os.replace(part, copy_path)
    finally:
        part.unlink(missing_ok=True)
    tmp = manifest_path.with_name(f".{manifest_path.name}.{os.getpid()}.part")
    tmp.write_text(json.dumps(recorded, indent=2) + "\n")
    os.replace(tmp, manifest_path)
    return Installed(copy_path, manifest_path, result, recorded)
