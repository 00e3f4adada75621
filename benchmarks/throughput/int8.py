"""Would an int8 copy of the matting network keep the mattes and run markedly faster on a CPU node?
(issues #10 and #12: on white-on-white photos every image needs the network, ~2.4 CPU s per image here.)

    .venv/bin/python -m benchmarks.throughput.int8 [--count 8] [--calibration 8] [--no-write]

What it does, all with onnxruntime's own public tools and nothing downloaded:

1. A float32 copy of the configured model: `drisya.cli.model_batch.make_batch_capable` (only the output
   the engine reads), then the fp16 weights widened to float32 and the fp16<->fp32 Cast nodes made
   Identity, since `onnxruntime.quantization` calibrates and quantises float32 graphs. The copy is also
   timed: it tells what the float copy alone gains, so the int8 rows are not credited with it.
2. `quantize_static` (QDQ, per-channel int8 weights, uint8 activations: what onnxruntime's docs
   advise for an x86 CPU with VNNI) calibrated on `--calibration` images that are in
   neither split of the quality benchmark: whites shots of the `tune` textures at indices 100 and up
   (the tune split uses indices 0..count/8, the holdout split other textures and odd seeds) and emoji
   renders from positions 300 and up of the `train` order on studio seeds 7000 and up (the tune split
   takes the first `count`, the holdout split the `test` renders). Ranges by MinMax (the default),
   mean MinMax and the 99.999th percentile, each calibrated once and cached; the variants (VARIANTS)
   quantise every layer, every layer but the output head (side1 conv, resize, sigmoid: its logits
   span about -1500..16 under MinMax, a uint8 step ~6 logits wide), every layer but conv_in and the
   head, or the encoder only.
3. The `tune` split of benchmarks/datasets (whites and emoji, `--count` each): every image through the
   original and every copy in the same run, the order rotated image by image, one onnxruntime thread
   per session, CPU seconds of this process per network run (preprocessing is shared and not timed),
   and a control: the original on the photo with +-1 level of noise, how far the network itself moves.

Per slice and variant: IoU of the thresholded (0.5) matte against the original's (mean and worst),
mean abs alpha difference against the original, IoU and boundary F (3 px) against the ground truth,
CPU s per image. A variant "holds" when its worst IoU against the original is >= 0.99 on every image
and it needs <= 1/1.5 of the original's CPU time. Writes benchmarks/throughput/INT8.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
MIN_IOU = 0.99  # against the original, on every image
MIN_SPEEDUP = 1.5  # CPU time of the original / of the copy
ORIGINAL = "original (fp16 weights)"
# the original on the same photo with +-1 level of uniform noise per channel: how far the network's own
# matte moves under a change as small as sensor noise, the scale the int8 copies' differences compare to
CONTROL = "control: original, input +-1 level"
HEAD = ("/side1/", "/Resize_5", "/Sigmoid")  # the output head of ISNet's export (side1 -> 1024 px)


CALIBRATIONS = {
    # name: (onnxruntime CalibrationMethod name, extra_options for quantize_static)
    "MinMax": ("MinMax", {}),
    # the mean over the calibration images of each image's own min and max (moving_average with the
    # images in one collection: onnxruntime averages the per-image ranges)
    "mean MinMax": ("MinMax", {"CalibMovingAverage": True}),
    # 99.999th percentile of each tensor's histogram, the images collected one at a time (stride 1)
    # since the histograms are built from every activation (~1.5 GiB per 1024 px image)
    "percentile 99.999": ("Percentile", {"CalibPercentile": 99.999, "CalibStridedMinMax": 1}),
}


@dataclass(frozen=True)
class Variant:
    """Which nodes of the float32 copy are quantised (`only`: prefixes, if given, else all but `exclude`)
    and with which calibrated ranges (a key of CALIBRATIONS)."""

    label: str
    calibration: str
    only: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()


_DECODER = tuple(f"/stage{i}d/" for i in range(1, 6))
VARIANTS = (
    Variant("int8 every layer, MinMax", "MinMax"),
    Variant("int8 all but the head, MinMax", "MinMax", exclude=HEAD),
    Variant("int8 all but the head, mean MinMax", "mean MinMax", exclude=HEAD),
    Variant("int8 all but the head, percentile", "percentile 99.999", exclude=HEAD),
    Variant(
        "int8 all but conv_in and the head, percentile", "percentile 99.999", exclude=HEAD + ("/conv_in/",)
    ),
    Variant("int8 encoder only, percentile", "percentile 99.999", exclude=HEAD + _DECODER),
)


def float32_copy(model_path: Path):
    """The model with only the engine's output, fp16 weights widened to float32 and its fp16 casts made
    Identity (onnxruntime removes them), checked by ONNX's strict shape inference and checker."""
    import onnx
    from onnx import TensorProto, numpy_helper

    from drisya.cli.model_batch import make_batch_capable

    model = make_batch_capable(onnx.load(str(model_path)))
    graph = model.graph
    for i, tensor in enumerate(graph.initializer):
        if tensor.data_type == TensorProto.FLOAT16:
            wide = numpy_helper.to_array(tensor).astype(np.float32)
            graph.initializer[i].CopyFrom(numpy_helper.from_array(wide, tensor.name))
    for node in graph.node:
        if node.op_type == "Cast":
            to = next(a.i for a in node.attribute if a.name == "to")
            if to in (TensorProto.FLOAT16, TensorProto.FLOAT):
                node.op_type = "Identity"
                del node.attribute[:]
        if node.op_type == "Constant" and any(
            a.name == "value" and a.t.data_type == TensorProto.FLOAT16 for a in node.attribute
        ):
            raise SystemExit(f"{node.name!r} holds a float16 constant; this script does not widen those")
    del graph.value_info[:]
    model = onnx.shape_inference.infer_shapes(model, strict_mode=True)
    onnx.checker.check_model(model)
    return model


def calibration_shots(count: int) -> Iterator[np.ndarray]:
    """`count` RGB images in neither split of the quality benchmark (see the module docstring)."""
    from benchmarks.datasets import emoji, studio, whites

    n_whites = (count + 1) // 2
    for i in range(n_whites):
        yield whites.shot(whites.Item(whites.KINDS[i % len(whites.KINDS)], "tune", 100 + i // 8)).rgb
    for i, path in enumerate(emoji.pick("train", 300 + count)[300 : 300 + count - n_whites]):
        yield studio.compose_shot(emoji.load_rgba(path), size=1024, seed=7000 + i).rgb


def quantise(fp32: Path, out: Path, variant: Variant, cache: Path, inputs: list[dict]) -> float:
    """Quantise `fp32` into `out` for `variant`, calibrating on `inputs` unless `cache` (the ranges of
    this variant's calibration) already exists; seconds taken."""
    import onnx
    from onnxruntime.quantization import (
        CalibrationDataReader,
        CalibrationMethod,
        QuantFormat,
        QuantType,
        quantize_static,
    )

    class Reader(CalibrationDataReader):
        """The calibration inputs; `set_range` lets onnxruntime collect them a slice at a time."""

        def __init__(self) -> None:
            self.set_range(0, len(inputs))

        def __len__(self) -> int:
            return len(inputs)

        def set_range(self, start_index: int, end_index: int) -> None:
            self._next = iter(inputs[start_index:end_index])

        def get_next(self) -> dict | None:
            return next(self._next, None)

    method, extra = CALIBRATIONS[variant.calibration]
    names = [n.name for n in onnx.load(str(fp32), load_external_data=False).graph.node]
    only = [n for n in names if n.startswith(variant.only)] if variant.only else None
    exclude = [n for n in names if n.startswith(variant.exclude)] if variant.exclude else None
    started = time.perf_counter()
    quantize_static(
        str(fp32),
        str(out),
        None if cache.exists() else Reader(),
        quant_format=QuantFormat.QDQ,
        per_channel=True,
        activation_type=QuantType.QUInt8,
        weight_type=QuantType.QInt8,
        nodes_to_quantize=only,
        nodes_to_exclude=exclude,
        calibrate_method=getattr(CalibrationMethod, method),
        calibration_cache_path=str(cache),
        extra_options=dict(extra),
    )
    return time.perf_counter() - started


@dataclass
class Scores:
    cpu: list[float] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    iou_orig: list[float] = field(default_factory=list)
    mad_orig: list[float] = field(default_factory=list)
    iou_gt: list[float] = field(default_factory=list)
    bf_gt: list[float] = field(default_factory=list)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--count", type=int, default=8, help="tune images per slice (default 8)")
    ap.add_argument("--calibration", type=int, default=8, help="calibration images (default 8)")
    ap.add_argument("--slices", default="whites,emoji")
    ap.add_argument("--no-write", action="store_true", help="print only; do not write INT8.md")
    args = ap.parse_args(argv)

    import onnx
    import onnxruntime as ort
    from onnxruntime.quantization import load_tensors_data

    from benchmarks.datasets import metrics
    from benchmarks.matting_quality.__main__ import shots
    from cluster.model_store import model_family, resolve_model
    from cluster.settings import Settings
    from engine.matting.model import ModelSession

    settings = Settings.from_env()
    model = resolve_model(settings, fetch_if_missing=False)
    family = model_family(settings)
    command = "python -m benchmarks.throughput.int8 " + " ".join(argv if argv is not None else sys.argv[1:])
    load_start = os.getloadavg()[0]
    original = ModelSession(model, family, threads=1, runtime="onnxruntime")
    with tempfile.TemporaryDirectory(prefix="drisya-int8-") as tmp:
        fp32 = Path(tmp) / "fp32.onnx"
        wide = float32_copy(model)
        onnx.save(wide, str(fp32))
        input_name = wide.graph.input[0].name
        del wide
        inputs = [{input_name: original.preprocess(rgb)} for rgb in calibration_shots(args.calibration)]
        built: dict[str, Path] = {}
        build_s: dict[str, float] = {}
        for k, variant in enumerate(VARIANTS):
            built[variant.label] = Path(tmp) / f"int8-{k}.onnx"
            cache = Path(tmp) / f"ranges-{list(CALIBRATIONS).index(variant.calibration)}.json"
            build_s[variant.label] = quantise(fp32, built[variant.label], variant, cache, inputs)
            print(f"built {variant.label} in {build_s[variant.label]:.0f} s", flush=True)
        del inputs
        ranges = load_tensors_data(str(Path(tmp) / "ranges-0.json")).data
        widest = sorted(
            (
                (float(np.min(r.range_value[0])), float(np.max(r.range_value[1])), name)
                for name, r in ranges.items()
            ),
            key=lambda t: t[0] - t[1],
        )[:3]
        sessions = {
            ORIGINAL: original,
            CONTROL: original,
            "float32 copy": ModelSession(fp32, family, threads=1, runtime="onnxruntime"),
        }
        sessions.update(
            {
                label: ModelSession(path, family, threads=1, runtime="onnxruntime")
                for label, path in built.items()
            }
        )
        sizes = {
            ORIGINAL: model.stat().st_size,
            CONTROL: model.stat().st_size,
            "float32 copy": fp32.stat().st_size,
        }
        sizes.update({label: path.stat().st_size for label, path in built.items()})
        names = list(sessions)
        results: dict[str, dict[str, Scores]] = {}
        worst_label: dict[tuple[str, str], str] = {}
        image = 0
        for slice_name in args.slices.split(","):
            results[slice_name] = {name: Scores() for name in names}
            worst: dict[str, float] = dict.fromkeys(names, 2.0)
            for label, make in shots(slice_name, "tune", args.count, 1024):
                shot = make()
                x = original.preprocess(shot.rgb)
                noise = np.random.default_rng(image).integers(-1, 2, shot.rgb.shape)
                given = dict.fromkeys(names, x)
                given[CONTROL] = original.preprocess(np.clip(shot.rgb + noise, 0, 255).astype(np.uint8))
                order = names[image % len(names) :] + names[: image % len(names)]  # rotated per image
                image += 1
                alphas = {}
                for name in order:
                    session = sessions[name]
                    c0 = time.process_time()
                    out = session.run(given[name])
                    results[slice_name][name].cpu.append(time.process_time() - c0)
                    alphas[name] = session.postprocess(out, *shot.rgb.shape[:2])
                base = alphas[names[0]]
                for name in names:
                    s = results[slice_name][name]
                    s.labels.append(label)
                    s.iou_orig.append(metrics.iou(alphas[name], base))
                    s.mad_orig.append(metrics.mae(alphas[name], base))
                    s.iou_gt.append(metrics.iou(alphas[name], shot.alpha))
                    s.bf_gt.append(metrics.boundary_f(alphas[name], shot.alpha))
                    if s.iou_orig[-1] < worst[name]:
                        worst[name] = s.iou_orig[-1]
                        worst_label[(slice_name, name)] = label
                print(
                    f"[{slice_name}] {label:<22} "
                    + "  ".join(
                        f"{n}: {results[slice_name][n].cpu[-1]:.2f}s IoU/orig {results[slice_name][n].iou_orig[-1]:.4f}"
                        for n in names
                    ),
                    flush=True,
                )
        providers = original.providers

    def total_cpu(name: str) -> float:
        return float(np.mean([c for per in results.values() for c in per[name].cpu]))

    def worst_iou(name: str) -> float:
        return min(min(per[name].iou_orig) for per in results.values())

    base_cpu = total_cpu(names[0])
    rows = []
    for slice_name, per in results.items():
        for name in names:
            s = per[name]
            rows.append(
                f"| {slice_name} | {name} | {np.mean(s.iou_orig):.4f} | {min(s.iou_orig):.4f} "
                f"({worst_label[(slice_name, name)]}) | {np.mean(s.mad_orig):.4f} | {np.mean(s.iou_gt):.4f} | "
                f"{np.mean(s.bf_gt):.4f} | {np.mean(s.cpu):.2f} |"
            )
    verdicts = []
    holding = []
    for name in names[1:]:
        worst_all = worst_iou(name)
        below = sum(v < MIN_IOU for per in results.values() for v in per[name].iou_orig)
        past_control = sum(
            v < min(MIN_IOU, c)
            for per in results.values()
            for v, c in zip(per[name].iou_orig, per[CONTROL].iou_orig, strict=True)
        )
        speedup = base_cpu / total_cpu(name)
        holds = worst_all >= MIN_IOU and speedup >= MIN_SPEEDUP
        if holds and name in built:
            holding.append(name)
        verdicts.append(
            f"| {name} | {speedup:.2f}x | {worst_all:.4f} | {below} of {image} | {past_control} | "
            f"{sizes[name] / 2**20:.0f} | {'yes' if holds else 'no' if name in built else '-'} |"
        )
    usable = [n for n in built if np.mean([v for per in results.values() for v in per[n].iou_orig]) >= 0.95]
    below_lines = []
    for slice_name, per in results.items():
        for k, label in enumerate(per[CONTROL].labels):
            low = {n: per[n].iou_orig[k] for n in usable if per[n].iou_orig[k] < MIN_IOU}
            if low:
                below_lines.append(
                    f"- {slice_name} {label}: control {per[CONTROL].iou_orig[k]:.4f}; "
                    + ", ".join(f"{n} {v:.4f}" for n, v in low.items())
                )
    below = (
        f"Images where an int8 copy with a mean IoU >= 0.95 against the original falls below {MIN_IOU} on "
        "its own, with the control's IoU on the same image:\n\n" + "\n".join(below_lines)
        if below_lines
        else f"No int8 copy falls below IoU {MIN_IOU} against the original on any image."
    )
    load = os.getloadavg()
    reasons = [
        f"{name}: "
        + " and ".join(
            why
            for why, bad in (
                (
                    f"{base_cpu / total_cpu(name):.2f}x < {MIN_SPEEDUP}x",
                    base_cpu / total_cpu(name) < MIN_SPEEDUP,
                ),
                (
                    f"worst IoU vs original {worst_iou(name):.4f} < {MIN_IOU}",
                    worst_iou(name) < MIN_IOU,
                ),
            )
            if bad
        )
        for name in built
        if name not in holding
    ]
    fast = [n for n in built if base_cpu / total_cpu(n) >= MIN_SPEEDUP]
    closest = max(fast, key=worst_iou, default=None)
    if closest is not None and closest not in holding:
        per_image = [
            (v, c, f"{slice_name} {label}")
            for slice_name, per in results.items()
            for v, c, label in zip(
                per[closest].iou_orig, per[CONTROL].iou_orig, per[closest].labels, strict=True
            )
            if v < MIN_IOU
        ]
        reasons.append(
            f"the closest at >= {MIN_SPEEDUP}x is {closest} ({base_cpu / total_cpu(closest):.2f}x), below "
            f"{MIN_IOU} on "
            + ", ".join(f"{label} ({v:.4f}; the control {c:.4f})" for v, c, label in per_image)
        )
    conclusion = (
        f"**An int8 copy holds** ({MIN_IOU} IoU vs the original on every image, {MIN_SPEEDUP}x): "
        f"{', '.join(holding)}."
        if holding
        else f"**No int8 copy holds** (the bar: IoU >= {MIN_IOU} against the original on every tune image "
        f"and >= {MIN_SPEEDUP}x less CPU): " + "; ".join(reasons) + "."
    )
    text = f"""# An int8 copy of the matting network on the CPU

Written by `{command.strip()}` (benchmarks/throughput/int8.py); do not edit by hand.

Machine: {platform.machine()}, {os.cpu_count()} CPUs (load average {load_start:.1f} at the start,
{load[0]:.1f} at the end: other work shared the cores, so CPU seconds are the steadier figure), Python
{platform.python_version()}, onnxruntime {ort.__version__} ({", ".join(providers)}), one onnxruntime thread per session.
Model: `{model.name}` of `{model.parent.name}` (family {family}), 1024 px input.

Quantised with `onnxruntime.quantization.quantize_static`: QDQ, per-channel int8 weights, uint8 activations,
ranges calibrated on {args.calibration} images in neither split (whites of the tune textures at indices
100+, emoji from positions 300+ of the train order on studio seeds 7000+) by MinMax (onnxruntime's
default), mean MinMax (each image's min and max, averaged) or the 99.999th percentile. "The head" is the
side1 conv, its resize to 1024 px and the sigmoid; "encoder only" also keeps the decoder (stage1d..5d)
in float32. The float32 copy (fp16 weights widened, side outputs pruned) is what every int8 copy is made
from; the control row is the original on the photo with +-1 level of noise per channel, to show how far
the network's own matte moves under a change as small as sensor noise. Scored on the
**tune** split, {args.count} per slice, every variant on every image in the same run, order rotated.
The widest MinMax ranges: {"; ".join(f"`{n}` {lo:.0f}..{hi:.0f}" for lo, hi, n in widest)}.

Speed and agreement over all {image} images (speed-up: the original's mean CPU s per network run over the
variant's; agreement: IoU of the mattes thresholded at 0.5 against the original's; "below the control":
images where the copy is below {MIN_IOU} and also further from the original than the control is):

| variant | speed-up | worst IoU vs original | images below {MIN_IOU} | below {MIN_IOU} and below the control | MiB on disk | holds |
| --- | ---: | ---: | ---: | ---: | ---: | --- |
{chr(10).join(verdicts)}

Per slice (IoU/boundary F against the ground truth; "vs orig" against the original's matte):

| slice | variant | mean IoU vs orig | worst IoU vs orig (image) | mean abs alpha diff vs orig | IoU | boundary F (3 px) | CPU s / image |
| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |
{chr(10).join(rows)}

{below}

{conclusion}
"""
    print(text)
    if not args.no_write:
        (HERE / "INT8.md").write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
