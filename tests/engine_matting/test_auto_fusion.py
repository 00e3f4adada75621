"""`auto` fusion on the failure kinds of white-on-white photos, on small shots these tests build.

Each shot is a light, unevenly lit, textured sweep (nothing a polynomial describes exactly) with sensor
noise, and one product drawn with its exact alpha. The network is a stand-in that answers the way ISNet
does on that kind of shot (weak and blotchy over a white body, a filled handle hole, an even partial
alpha over glass), so each test pins one fusion rule; the colour model and the fusion are the real ones.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from benchmarks.datasets import metrics
from engine.matting import matte
from engine.matting.auto.fusion import dropped_parts, fuse
from engine.matting.auto.holes import background_holes
from engine.matting.auto.level import network_level
from engine.matting.auto.measures import Tones
from engine.matting.auto.second_look import merge_flattened, second_look_reason
from engine.matting.fast import matte_fast
from engine.matting.score import border_mass, fragments, fused_quality

SIZE = 384


def sweep(seed: int, base: float = 0.9, *, cells: int = 3, grain_share: float = 0.006) -> np.ndarray:
    """A light backdrop: smooth uneven light (a `cells` x `cells` field, +-3 %) times fine paper-like
    texture, float32 RGB 0..1."""
    rng = np.random.default_rng(seed)
    light = cv2.resize(
        rng.normal(0, 1, (cells, cells)).astype(np.float32), (SIZE, SIZE), interpolation=cv2.INTER_CUBIC
    )
    light = 1 + 0.03 * light / max(float(np.abs(light).max()), 1e-3)
    grain = cv2.GaussianBlur(rng.normal(0, 1, (SIZE, SIZE)).astype(np.float32), (0, 0), 1.2)
    lum = base * light * (1 + grain_share * grain / float(grain.std()))
    return np.repeat(lum[..., None], 3, axis=2).astype(np.float32)


def shoot(bg: np.ndarray, colour: np.ndarray, alpha: np.ndarray, seed: int) -> np.ndarray:
    """Composite with the compositing equation, add sensor noise, quantise to uint8."""
    rng = np.random.default_rng(seed + 1)
    img = colour * alpha[..., None] + bg * (1 - alpha[..., None])
    img = img + rng.normal(0, 1.5 / 255, img.shape).astype(np.float32)
    return np.clip(np.rint(img * 255), 0, 255).astype(np.uint8)


def soft_rect(x0: int, y0: int, x1: int, y1: int) -> np.ndarray:
    """An anti-aliased rectangle's coverage (drawn at 4x and reduced, as a camera would see it)."""
    big = np.zeros((SIZE * 4, SIZE * 4), np.float32)
    cv2.rectangle(big, (x0 * 4, y0 * 4), (x1 * 4 - 1, y1 * 4 - 1), 1.0, -1)
    return cv2.resize(big, (SIZE, SIZE), interpolation=cv2.INTER_AREA)


def soft_disc(cx: int, cy: int, r: int) -> np.ndarray:
    """An anti-aliased disc's coverage, drawn and reduced as `soft_rect` is."""
    big = np.zeros((SIZE * 4, SIZE * 4), np.float32)
    cv2.circle(big, (cx * 4, cy * 4), r * 4, 1.0, -1)
    return cv2.resize(big, (SIZE, SIZE), interpolation=cv2.INTER_AREA)


def lacy_crown(base: tuple[int, int]) -> np.ndarray:
    """A shrub's crown: a fan of stems from `base` (x, y: where they meet) with round leaves along them,
    sweep between them (about half its convex hull, as the whites shrubs' answers: 0.38-0.64),
    coverage drawn at 4x and reduced."""
    big = np.zeros((SIZE * 4, SIZE * 4), np.float32)
    bx, by = base[0] * 4, base[1] * 4
    for angle in np.linspace(-2.5, -0.64, 7):
        end = (int(bx + 4 * 130 * np.cos(angle)), int(by + 4 * 150 * np.sin(angle)))
        cv2.line(big, (bx, by), end, 1.0, 4 * 4)
        for t in (0.5, 0.75, 1.0):
            centre = (int(bx + (end[0] - bx) * t), int(by + (end[1] - by) * t))
            cv2.circle(big, centre, 4 * 11, 1.0, -1)
    return cv2.resize(big, (SIZE, SIZE), interpolation=cv2.INTER_AREA)


class StandIn:
    """The network's answer for this shot, given in advance (the network is not what is tested here)."""

    def __init__(self, alpha: np.ndarray) -> None:
        self.alpha = alpha.astype(np.float32)

    def predict(self, rgb: np.ndarray) -> np.ndarray:
        assert rgb.shape[:2] == self.alpha.shape
        return self.alpha


def unsure_network(body: np.ndarray, sure: np.ndarray, seed: int, top: float = 0.6) -> np.ndarray:
    """What ISNet answers for a white body on white: the print sure, the body weak (0.25-`top`) in blotches."""
    rng = np.random.default_rng(seed)
    blotch = cv2.GaussianBlur(rng.uniform(0, 1, (SIZE, SIZE)).astype(np.float32), (0, 0), 6.0)
    blotch = (blotch - blotch.min()) / max(float(np.ptp(blotch)), 1e-6)
    weak = (0.25 + (top - 0.25) * blotch) * (body > 0.5)
    return np.clip(cv2.GaussianBlur(np.maximum(weak, sure), (0, 0), 1.5), 0, 1)


@pytest.fixture(scope="module")
def white_card():
    """A white card 3 % brighter than the sweep, with a dark print; its rim is the only step."""
    bg = sweep(1)
    card = soft_rect(80, 130, 300, 260)
    colour = np.full((SIZE, SIZE, 3), 0.93, np.float32)
    colour[170:220, 120:260] = (0.15, 0.2, 0.45)  # the print
    truth = card
    rgb = shoot(bg, colour, truth, 1)
    printed = np.zeros_like(card)
    printed[170:220, 120:260] = 0.97
    return rgb, truth, printed


def test_white_card_keeps_its_body_where_the_network_is_weak_and_the_rim_is_an_edge(white_card):
    rgb, truth, printed = white_card
    network = unsure_network(truth, printed, 2)
    assert metrics.iou(network, truth) < 0.4  # read at one half, the network keeps only the print
    res = matte(rgb, "auto", session=StandIn(network))
    assert res.method == "auto:model"
    assert res.details["network_level"] < 0.5
    assert metrics.iou(res.alpha, truth) >= 0.95
    assert res.quality < 0.5  # kept, but a body found this way is flagged for review


def test_weak_answers_over_plain_backdrop_are_not_taken():
    """The same weak answer spilling over backdrop with no rim under it: the level stays at one half."""
    bg = sweep(3)
    box = soft_rect(120, 120, 260, 260)
    colour = np.full((SIZE, SIZE, 3), (0.7, 0.2, 0.2), np.float32)  # a red box the network sees
    rgb = shoot(bg, colour, box, 3)
    spill = soft_rect(60, 60, 330, 330)  # a weak halo over plain backdrop around it
    network = unsure_network(spill, box * 0.98, 4, top=0.45)
    assert network_level(rgb, network) == 0.5
    res = matte(rgb, "auto", session=StandIn(network))
    assert res.method == "auto:model"  # a textured sweep: the colour model alone is not trusted
    assert metrics.iou(res.alpha, box) >= 0.97


def test_true_hole_stays_open_when_the_network_fills_it():
    """A cream ring on white: the network fills its hole, the colour model sees backdrop there."""
    bg = sweep(5)
    big = np.zeros((SIZE * 4, SIZE * 4), np.float32)
    cv2.circle(big, (192 * 4, 192 * 4), 110 * 4, 1.0, -1)
    cv2.circle(big, (192 * 4, 192 * 4), 50 * 4, 0.0, -1)
    ring = cv2.resize(big, (SIZE, SIZE), interpolation=cv2.INTER_AREA)
    colour = np.full((SIZE, SIZE, 3), (0.97, 0.9, 0.74), np.float32)
    rgb = shoot(bg, colour, ring, 5)
    filled = np.zeros((SIZE, SIZE), np.float32)
    cv2.circle(filled, (192, 192), 110, 1.0, -1)
    res = fuse(rgb, filled, matte_fast(rgb))  # the fusion rule itself: this clean ring would not need it
    hole = np.zeros((SIZE, SIZE), np.uint8)
    cv2.circle(hole, (192, 192), 40, 1, -1)
    assert np.mean(res.alpha[hole > 0] < 0.1) > 0.98
    assert metrics.iou(res.alpha, ring) >= 0.97


def test_glass_keeps_its_partial_alpha():
    """A glass bottle at alpha 0.6 with an opaque cap: the body stays 0.6, the cap and the rim solid."""
    bg = sweep(7)
    body = soft_rect(140, 120, 250, 340)
    cap = soft_rect(170, 70, 220, 120)
    truth = np.maximum(body * 0.6, cap)
    colour = np.full((SIZE, SIZE, 3), (0.84, 0.88, 0.87), np.float32)
    colour[70:120] = (0.3, 0.3, 0.32)
    rgb = shoot(bg, colour, truth, 7)
    network = cv2.GaussianBlur(truth, (0, 0), 1.0)  # a network that reads glass as glass
    res = matte(rgb, "auto", session=StandIn(network))
    inside = body > 0.99
    inside[: 140 + 10] = False
    inside = cv2.erode(inside.astype(np.uint8), np.ones((15, 15), np.uint8)) > 0
    assert abs(float(np.median(res.alpha[inside])) - 0.6) < 0.05
    assert float(np.median(res.alpha[cap > 0.99])) > 0.95
    assert metrics.mae(res.alpha, truth) < 0.02


def test_an_unsure_network_on_an_opaque_body_is_not_read_as_glass(white_card):
    """Blotchy partial answers are doubt, not transparency: the card found through them is solid."""
    rgb, truth, printed = white_card
    res = matte(rgb, "auto", session=StandIn(unsure_network(truth, printed, 2)))
    body = cv2.erode((truth > 0.99).astype(np.uint8), np.ones((9, 9), np.uint8)) > 0
    assert np.mean(res.alpha[body] > 0.95) > 0.97


def test_quality_falls_for_a_doubtful_matte(white_card):
    """Same shot, two networks: the sure one scores high, the unsure one below the review line."""
    rgb, truth, printed = white_card
    sure = matte(rgb, "auto", session=StandIn(cv2.GaussianBlur(truth, (0, 0), 1.0)))
    unsure = matte(rgb, "auto", session=StandIn(unsure_network(truth, printed, 2)))
    assert sure.quality >= 0.7 and unsure.quality < 0.5


def test_each_doubt_signal_lowers_the_score():
    clean = dict(
        undecided=0.03,
        level=0.5,
        left_out=0.0,
        fast_agreement=0.5,
        colour_model_blind=False,
        border=0.0,
        parts=0,
    )
    assert fused_quality(**clean) == 1.0
    for change in (
        {"undecided": 0.5},
        {"level": 0.2},
        {"left_out": 1.2},
        {"colour_model_blind": True, "fast_agreement": 1.0},
        {"border": 0.3},
        {"parts": 5},
        {"nothing_more_found": True, "left_out": 0.5},
    ):
        assert fused_quality(**{**clean, **change}) < 0.65, change
    # two strong doubts together go far below the review line (an undecided body alone is at least
    # 0.9 * engine.matting.score.UNDECIDED_FLOOR: some doubt, never a flag)
    assert fused_quality(**{**clean, "undecided": 0.5, "left_out": 1.2}) < 0.2
    assert fused_quality(**{**clean, "left_out": 0.5}) > 0.65  # alone, a little left out is no doubt


def test_border_mass_and_fragments_measure_what_they_say():
    alpha = np.zeros((100, 100), np.float32)
    alpha[30:70, 30:70] = 1.0
    assert border_mass(alpha) == 0.0 and fragments(alpha > 0.5) == 0
    alpha[:, :5] = 1.0  # a part running along the left edge, apart from the product
    assert border_mass(alpha) > 0.2 and fragments(alpha > 0.5) == 1


def test_confident_colour_model_on_a_textured_sweep_still_asks_the_network():
    """A white phone's frame on unevenly lit paper: the colour model is sure of the dark screen (and
    blind to the frame, which departs from the paper less than the paper departs from its fit)."""
    bg = sweep(3)
    phone = soft_rect(140, 60, 250, 330)
    screen = soft_rect(150, 75, 240, 300)
    colour = np.full((SIZE, SIZE, 3), 0.87, np.float32)
    colour[screen > 0.5] = (0.06, 0.07, 0.09)
    rgb = shoot(bg, colour, phone, 3)
    fast = matte_fast(rgb)
    assert fast.confidence >= 0.8 and metrics.iou(fast.alpha, phone) < 0.9  # sure, and wrong
    calls = []

    class Seeing(StandIn):
        def predict(self, x: np.ndarray) -> np.ndarray:
            calls.append(1)
            return super().predict(x)

    res = matte(rgb, "auto", session=Seeing(cv2.GaussianBlur(phone, (0, 0), 1.0)))
    assert calls and res.method == "auto:model" and res.details["colour_model_blind"]
    assert res.details["backdrop_residual"] > 0.008
    assert metrics.iou(res.alpha, phone) >= 0.97


class TwoLooks:
    """A network that misses the white body on the photo and sees it on the flattened photo: the first
    call answers `first`, every later call `second`; the inputs are kept."""

    def __init__(self, first: np.ndarray, second: np.ndarray) -> None:
        self.answers = [first.astype(np.float32), second.astype(np.float32)]
        self.inputs: list[np.ndarray] = []

    def predict(self, rgb: np.ndarray) -> np.ndarray:
        self.inputs.append(rgb)
        return self.answers[min(len(self.inputs) - 1, 1)]


@pytest.fixture(scope="module")
def white_phone():
    return white_phone_shot()


def white_phone_shot() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A white phone 3 % brighter than an unevenly lit textured sweep, around a dark screen:
    (photo, phone, screen)."""
    bg = sweep(11)
    phone = soft_rect(130, 50, 250, 330)
    screen = soft_rect(142, 66, 238, 300)
    colour = np.full((SIZE, SIZE, 3), 0.93, np.float32)
    colour[screen > 0.5] = (0.06, 0.07, 0.09)
    return shoot(bg, colour, phone, 11), phone, screen


def test_second_look_at_the_flattened_photo_finds_the_white_body(white_phone):
    rgb, phone, screen = white_phone
    net = TwoLooks(cv2.GaussianBlur(screen, (0, 0), 1.0), cv2.GaussianBlur(phone, (0, 0), 1.0))
    res = matte(rgb, "auto", session=net)
    # the screen is most of the phone, but the white frame encloses it: no look past the screen
    assert len(net.inputs) == 2 and res.method == "auto:model" and "beside_added" not in res.details
    assert metrics.iou(res.alpha, phone) >= 0.97 and res.details["flattened_added"] > 0.01
    # what the network was shown the second time: the frame stands out from the sweep far more
    flat = net.inputs[1].astype(np.float32).mean(axis=2)
    photo = rgb.astype(np.float32).mean(axis=2)
    frame = (phone > 0.99) & (cv2.dilate((screen > 0.01).astype(np.uint8), np.ones((5, 5))) == 0)
    around = (cv2.dilate((phone > 0.01).astype(np.uint8), np.ones((31, 31))) > 0) & (phone == 0)

    def step(x: np.ndarray) -> float:
        return float(np.median(x[frame]) - np.median(x[around]))

    assert step(flat) > 3 * step(photo) > 0


class Looks:
    """A network whose n-th call answers the n-th of `answers` (the last one thereafter); inputs kept."""

    def __init__(self, *answers: np.ndarray) -> None:
        self.answers = [a.astype(np.float32) for a in answers]
        self.inputs: list[np.ndarray] = []

    def predict(self, rgb: np.ndarray) -> np.ndarray:
        self.inputs.append(rgb)
        return self.answers[min(len(self.inputs), len(self.answers)) - 1]


def test_a_thin_white_frame_the_second_look_missed_is_found_past_the_screen(white_phone):
    """Both looks cut the screen alone (the frame is thin); the answer is still a dark part, so the
    network looks at the flattened photo with the screen painted out, where the frame stands out."""
    rgb, phone, screen = white_phone
    net = Looks(screen, screen, cv2.GaussianBlur(phone, (0, 0), 1.0))
    res = matte(rgb, "auto", session=net)
    assert len(net.inputs) == 3 and res.details["beside_added"] > 0.01
    shown = net.inputs[2].astype(np.float32).mean(axis=2)
    assert np.ptp(shown[cv2.erode((screen > 0.01).astype(np.uint8), np.ones((5, 5))) > 0]) == 0
    assert metrics.iou(res.alpha, phone) >= 0.97


def test_light_product_the_network_found_whole_gets_no_second_look():
    bg = sweep(13)
    box = soft_rect(120, 110, 270, 300)
    rgb = shoot(bg, np.full((SIZE, SIZE, 3), (0.97, 0.92, 0.8), np.float32), box, 13)
    net = TwoLooks(cv2.GaussianBlur(box, (0, 0), 1.0), np.zeros((SIZE, SIZE), np.float32))
    res = matte(rgb, "auto", session=net)
    assert len(net.inputs) == 1 and metrics.iou(res.alpha, box) >= 0.97


def test_second_look_adds_light_bodies_not_shadows():
    """Amplified, a floor shadow looks solid too; what the second look adds is kept only where it is
    not darker than the backdrop."""
    bg = sweep(15)
    box = soft_rect(100, 100, 200, 260)
    lid = soft_rect(100, 60, 200, 100)  # a white lid the first look missed
    shade = soft_rect(200, 180, 330, 260)  # a cast shadow beside the box, 25 % darker
    bg = bg * (1 - 0.25 * shade[..., None])
    truth = np.maximum(box, lid)
    colour = np.full((SIZE, SIZE, 3), 0.2, np.float32)
    colour[:100] = 0.95
    rgb = shoot(bg, colour, truth, 15)
    background = matte_fast(rgb).background
    merged, added = merge_flattened(box, np.maximum(truth, shade), Tones(rgb, background))
    assert added > 0.01
    assert np.mean(merged[lid > 0.99] > 0.5) > 0.99
    assert np.mean(merged[shade > 0.99] > 0.5) < 0.01


def test_colour_outline_that_bleeds_does_not_thicken_the_network_outline_but_a_strap_is_added():
    base = np.zeros((SIZE, SIZE), bool)
    base[100:300, 150:170] = True  # a thin dark stem the network cut exactly
    sure = cv2.dilate(base.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0  # colour mask 2 px wider
    sure[290:296, 170:240] = True  # and a strap the network dropped
    extra = dropped_parts(base, sure)
    assert not extra[100:290, :148].any() and not extra[100:290, 172:].any()
    assert extra[290:296, 200:240].all()


def test_gaps_between_branches_stay_open_where_colour_bleeds_into_them():
    """An open shape: green bars 5 px apart with rungs, so each gap is enclosed; after JPEG (halved
    chroma) the green bleeds into every gap (the whole-region rule filled 96 % of them), yet the gaps
    are backdrop as the network said."""
    import io

    from PIL import Image

    bg = sweep(17)
    big = np.zeros((SIZE * 4, SIZE * 4), np.float32)
    for x in range(120, 260, 13):
        cv2.rectangle(big, (x * 4, 100 * 4), ((x + 8) * 4 - 1, 300 * 4 - 1), 1.0, -1)
    for y in (100, 180, 292):
        cv2.rectangle(big, (120 * 4, y * 4), (260 * 4 - 1, (y + 8) * 4 - 1), 1.0, -1)
    plant = cv2.resize(big, (SIZE, SIZE), interpolation=cv2.INTER_AREA)
    rgb = shoot(bg, np.full((SIZE, SIZE, 3), (0.15, 0.45, 0.12), np.float32), plant, 17)
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, "JPEG", quality=75)
    rgb = np.asarray(Image.open(buf).convert("RGB"))
    res = fuse(rgb, cv2.GaussianBlur(plant, (0, 0), 0.8), matte_fast(rgb))
    gaps = (plant == 0) & (cv2.dilate((plant > 0).astype(np.uint8), np.ones((9, 9))) > 0)
    gaps[:100] = gaps[300:] = False
    gaps[:, :120] = gaps[:, 260:] = False
    assert gaps.sum() > 2000 and np.mean(res.alpha[gaps] < 0.5) > 0.95


def test_light_product_found_whole_is_not_doubted_for_agreeing_with_the_colour_model():
    """A cream box on a sweep with a faint brighter patch elsewhere (the colour model leaves a faint
    region out, so it counts as blind): the network found the box whole and light, needed no second
    look, and agrees with the colour model because both are right; that is no doubt."""
    bg = sweep(13) * (1 + 0.04 * soft_rect(60, 240, 150, 330)[..., None])
    box = soft_rect(220, 80, 300, 160)
    rgb = shoot(bg, np.full((SIZE, SIZE, 3), (0.97, 0.92, 0.8), np.float32), box, 13)
    net = TwoLooks(cv2.GaussianBlur(box, (0, 0), 1.0), np.zeros((SIZE, SIZE), np.float32))
    res = matte(rgb, "auto", session=net)
    assert res.details["left_faint"] and res.details["doubt_fast_agreement"] > 0.9
    assert len(net.inputs) == 1 and metrics.iou(res.alpha, box) >= 0.97
    assert res.quality >= 0.8


def test_second_look_removes_a_shadow_the_first_took_for_product():
    """The first answer took the box's cast shadow with the box; the second look (flattened photo)
    does not: the shadow, darker than the backdrop but far from a dark part's darkness, goes."""
    bg = sweep(19)
    box = soft_rect(100, 100, 200, 260)
    shade = soft_rect(200, 180, 330, 260)
    bg = bg * (1 - 0.25 * shade[..., None])
    rgb = shoot(bg, np.full((SIZE, SIZE, 3), 0.95, np.float32), box, 19)
    background = matte_fast(rgb).background
    merged, _ = merge_flattened(np.maximum(box, shade), box, Tones(rgb, background))
    assert np.mean(merged[shade > 0.99] > 0.5) < 0.01
    assert np.mean(merged[box > 0.99] > 0.5) > 0.99
    # a dark part the second look missed is not a shadow: it stays
    dark = np.full((SIZE, SIZE, 3), 0.95, np.float32)
    dark[box > 0.5] = 0.08
    rgb = shoot(sweep(19), dark, box, 19)
    merged, _ = merge_flattened(box, np.zeros_like(box), Tones(rgb, matte_fast(rgb).background))
    assert np.mean(merged[box > 0.99] > 0.5) > 0.99


def test_a_grey_part_in_its_own_shadow_stays_when_the_shadow_goes():
    """A bulb's metal base, tinted and 30 % darker than the sweep, in one piece with its cast shadow:
    the second look drops both; the shadow (the backdrop's colour, darker) goes, the base stays."""
    bg = sweep(27)
    base = soft_rect(160, 200, 224, 280)
    shade = soft_rect(90, 250, 160, 280)
    bg = bg * (1 - 0.3 * shade[..., None])
    colour = np.full((SIZE, SIZE, 3), (0.58, 0.6, 0.7), np.float32)
    rgb = shoot(bg, colour, base, 27)
    background = matte_fast(rgb).background
    merged, _ = merge_flattened(np.maximum(base, shade), np.zeros_like(base), Tones(rgb, background))
    assert np.mean(merged[shade > 0.99] > 0.5) < 0.05
    assert np.mean(merged[base > 0.99] > 0.5) > 0.95


def test_a_grey_part_in_its_own_shadow_that_neither_model_found_is_added():
    """A bulb: the network cuts the globe alone; the colour model reads the tinted metal base, sitting
    in the cast shadow and about as dark, as shadow. Fusion adds the base (unlike the backdrop and not
    its colour), not the shadow."""
    bg = sweep(29)
    shade = cv2.GaussianBlur(soft_rect(100, 236, 270, 316), (0, 0), 4.0)  # a cast shadow's soft edge
    bg = bg * (1 - 0.3 * shade[..., None])
    globe = soft_disc(192, 150, 80)
    base = soft_rect(160, 226, 224, 300)
    truth = np.maximum(globe, base)
    colour = np.full((SIZE, SIZE, 3), 0.97, np.float32)
    colour[base > 0.5] = (0.6, 0.6, 0.625)  # as dark as the shadow around it, a little bluish
    rgb = shoot(bg, colour, truth, 29)
    res = fuse(rgb, cv2.GaussianBlur(globe, (0, 0), 1.0), matte_fast(rgb))
    assert np.mean(res.alpha[base > 0.99] > 0.5) > 0.9
    outside = (shade > 0.99) & (base == 0)
    assert np.mean(res.alpha[outside] > 0.5) < 0.02
    assert metrics.iou(res.alpha, truth) >= 0.95


def test_a_grey_part_found_alone_gets_a_second_look():
    """A light bulb: the first answer is the grey metal base alone (30-40 % darker than the sweep, no
    screen's darkness); the glass globe above it is found by the second look."""
    bg = sweep(21)
    globe = soft_disc(192, 150, 80)
    base = soft_rect(160, 228, 224, 300)
    truth = np.maximum(globe, base)
    colour = np.full((SIZE, SIZE, 3), 0.97, np.float32)
    colour[base > 0.5] = 0.58
    rgb = shoot(bg, colour, truth, 21)
    net = TwoLooks(base, cv2.GaussianBlur(truth, (0, 0), 1.0))  # sure of the base: no undecided body
    res = matte(rgb, "auto", session=net)
    assert len(net.inputs) == 2 and metrics.iou(res.alpha, truth) >= 0.95


def plant_in_a_white_pot(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A plant (a lacy crown of green leaves) in a white pot 2-3 % brighter than the sweep, with a cast
    shadow beside the pot 25 % darker: (photo, truth, leaves, shadow); `leaves` is the network's sure
    answer for them (ISNet is sure of a coloured part: its stems' soft rims alone would read as unsure)."""
    bg = sweep(seed)
    shade = soft_rect(234, 250, 330, 300)
    bg = bg * (1 - 0.25 * shade[..., None])
    crown = lacy_crown((192, 200))
    pot = soft_rect(150, 200, 234, 300)
    truth = np.maximum(crown, pot)
    colour = np.full((SIZE, SIZE, 3), 0.925, np.float32)
    colour[crown > 0.5] = (0.15, 0.4, 0.12)
    return shoot(bg, colour, truth, seed), truth, (crown > 0.5).astype(np.float32), shade


def test_a_white_pot_is_found_by_a_look_past_the_leaves():
    """The network cuts the leaves alone (the salient part). Leaves are a coloured part: no look at the
    flattened photo, but one at the flattened photo with the leaves painted out in the backdrop's
    level, where the pot is what stands out. The pot is added; the shadow that look also cut is not."""
    rgb, truth, leaves, shade = plant_in_a_white_pot(23)
    net = TwoLooks(leaves, np.maximum(truth, shade))
    res = matte(rgb, "auto", session=net)
    assert len(net.inputs) == 2 and res.details["second_look_reason"] == "coloured part"
    shown = net.inputs[1].astype(np.float32).mean(axis=2)
    inside = cv2.erode((leaves > 0.01).astype(np.uint8), np.ones((5, 5))) > 0
    assert np.ptp(shown[inside]) == 0  # the leaves are gone from what the network was shown
    assert res.details["beside_added"] > 0.01 and metrics.iou(res.alpha, truth) >= 0.95
    assert np.mean(res.alpha[shade > 0.99] > 0.5) < 0.01
    assert res.quality >= 0.5


def test_a_white_pot_neither_look_found_is_found_by_its_outline():
    """Where the look past the leaves finds nothing more either (nor the looks on the sweep's local
    level, with and without the lighter shadows painted, nor the look past the leaves and their
    shadows, `look_past_shadows`), the pot's outline under the leaves still holds (`pots`): it is
    added without a further network run, and the matte passes. (A pot whose outline does not hold
    either is flagged: `test_score_part_below`.)"""
    rgb, truth, leaves, _ = plant_in_a_white_pot(23)
    net = TwoLooks(leaves, leaves)
    res = matte(rgb, "auto", session=net)
    assert len(net.inputs) == 5 and res.details["light_added"] == 0.0
    assert res.details["pot_added"] > 0.02
    assert metrics.iou(res.alpha, truth) >= 0.95 and res.quality >= 0.5


def test_a_dark_part_gets_a_second_look_only_when_it_is_colourless():
    """A screen or a slot (neutral, dark) may sit in a white body the network did not see; a plant's
    leaves (coloured, as dark) are a part the network already told from the light one."""
    bg = sweep(25)
    part = soft_rect(150, 120, 234, 260)
    background = np.repeat(cv2.GaussianBlur(bg, (0, 0), 8.0)[..., :1], 3, axis=2)
    reasons = {}
    for name, rgb_colour in (("screen", (0.07, 0.07, 0.09)), ("leaves", (0.15, 0.4, 0.12))):
        rgb = shoot(bg, np.full((SIZE, SIZE, 3), rgb_colour, np.float32), part, 25)
        reasons[name] = second_look_reason(part, rgb, background)
    assert reasons == {"screen": "dark part", "leaves": "coloured part"}


def test_a_clipped_highlight_inside_glass_is_not_opened_as_a_hole():
    """A glass bottle (alpha 0.65) on a near-white sweep with a specular stripe that clips to 255 inside
    its body: 1.5 % above the sweep, the colour model sees backdrop there, enclosed by the glass, which
    is what a true hole looks like; the network reads the glass evenly, the stripe with it. It is glass."""
    bg = sweep(11, base=0.985)
    body = soft_rect(130, 90, 260, 350)
    truth = body * 0.65
    colour = np.full((SIZE, SIZE, 3), (0.72, 0.84, 0.8), np.float32)
    colour[120:320, 160:185] = 1.25  # a specular highlight, brighter than white: clipped by the sensor
    rgb = shoot(bg, colour, truth, 11)
    stripe = np.zeros((SIZE, SIZE), bool)
    stripe[130:310, 164:181] = True
    assert np.mean(rgb[stripe].min(axis=1) == 255) > 0.5  # the failure's condition: clipped highlight
    fast = matte_fast(rgb)
    assert np.mean(background_holes(fast.hard, fast.evidence)[stripe]) > 0.9  # ... read as backdrop
    network = cv2.GaussianBlur(truth, (0, 0), 1.0)  # a network that reads glass as glass
    res = fuse(rgb, network, fast)
    assert np.mean(res.alpha[stripe] > 0.5) > 0.95
    assert metrics.iou(res.alpha, truth) >= 0.97


def box_with_cast_shadow(seed: int, penumbra: float = 3.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(photo, box, shadow): a light grey box and its cast shadow on the floor beside it, 25 % darker
    than the sweep and of its colour, with a penumbra of `penumbra` px (sigma), as solid as the box to
    a network. The shadow returned is where it is at least half as dark as at its core."""
    bg = sweep(seed)
    box = soft_rect(100, 100, 200, 260)
    shade = soft_rect(200, 200, 330, 260)
    if penumbra > 0:
        shade = cv2.GaussianBlur(shade, (0, 0), penumbra) * (box < 0.5)
    bg = bg * (1 - 0.25 * shade[..., None])
    rgb = shoot(bg, np.full((SIZE, SIZE, 3), 0.97, np.float32), box, seed)
    return rgb, box, (shade > 0.5).astype(np.float32)


def test_a_cast_shadow_the_network_took_gets_a_second_look_that_drops_it():
    """The network found the box whole and sure, with its cast shadow: no body is missing, yet a part
    the colour model left out is darker than the sweep and of its colour, so the network looks again
    at the flattened photo, where it reads the shadow as backdrop, and the shadow goes."""
    rgb, box, shade = box_with_cast_shadow(31)
    net = TwoLooks(np.maximum(box, shade), box)
    res = matte(rgb, "auto", session=net)
    assert len(net.inputs) == 2 and res.details["second_look_reason"] == "shadow-like part"
    assert np.mean(res.alpha[shade > 0.99] > 0.5) < 0.02
    assert metrics.iou(res.alpha, box) >= 0.97
    # a look for a shadow that drops it is no doubt about the body
    assert not res.details["doubt_nothing_more_found"] and res.quality >= 0.8


def test_a_grey_side_with_a_crisp_outline_gets_no_look_for_a_shadow():
    """The same shape with a step for an outline (no penumbra) is a product's grey part, such as a
    silver bottle's shaded side, which the flattened photo's look would drop: no look is taken."""
    rgb, box, side = box_with_cast_shadow(31, penumbra=0.0)
    truth = np.maximum(box, side)
    net = TwoLooks(truth, box)
    res = matte(rgb, "auto", session=net)
    assert len(net.inputs) == 1 and "second_look_reason" not in res.details
    assert np.mean(res.alpha[side > 0.99] > 0.5) > 0.95


def test_a_look_for_a_shadow_adds_nothing_around_the_body():
    """What the flattened photo shows around a body found whole is glow or the backdrop's falloff (a
    bulb's halo): a look taken for a shadow only drops."""
    rgb, box, shade = box_with_cast_shadow(31)
    halo = cv2.dilate((box > 0.5).astype(np.uint8), np.ones((25, 25), np.uint8)).astype(np.float32)
    net = TwoLooks(np.maximum(box, shade), halo * (shade < 0.5))
    res = matte(rgb, "auto", session=net)
    assert len(net.inputs) == 2 and "flattened_added" in res.details
    ring = (halo > 0.5) & (box == 0) & (shade == 0)
    assert ring.sum() > 2000 and np.mean(res.alpha[ring] > 0.5) < 0.02
    assert metrics.iou(res.alpha, box) >= 0.97


def test_a_shaded_side_joined_to_a_dropped_shadow_stays():
    """A box whose right side is shaded (a strip 5 px wide, neutral and 25 % darker) sits on its cast
    shadow; the second look drops both the shadow and the strip (the two outlines disagree there).
    The shadow is a body beyond the second answer and goes; the strip joined to it is not and stays
    (above the shadow: beside it, within a few pixels of the shadow's body, it goes with its rim)."""
    bg = sweep(35)
    box = soft_rect(100, 100, 200, 260)
    shade = soft_rect(200, 200, 330, 260)
    bg = bg * (1 - 0.25 * shade[..., None])
    colour = np.full((SIZE, SIZE, 3), 0.97, np.float32)
    colour[:, 195:200] = 0.7
    rgb = shoot(bg, colour, box, 35)
    second = box.copy()
    second[:, 195:] = 0.0
    merged, _ = merge_flattened(np.maximum(box, shade), second, Tones(rgb, matte_fast(rgb).background))
    assert np.mean(merged[shade > 0.99] > 0.5) < 0.02
    assert np.mean(merged[105:190, 196:199] > 0.5) > 0.95


def test_a_light_body_the_colour_model_found_whole_is_added_beside_the_part_the_network_cut():
    """A plant in a white pot 9 % brighter than the sweep: the colour model finds the pot whole (unlike
    the backdrop through its core, though by less than twice its threshold), the network cuts the
    leaves alone. The pot is a body, not a rim that bled, so it is added."""
    bg = sweep(37)
    leaves = soft_disc(192, 130, 70)
    pot = soft_rect(150, 200, 234, 300)
    truth = np.maximum(leaves, pot)
    colour = np.full((SIZE, SIZE, 3), 0.98, np.float32)
    colour[leaves > 0.5] = (0.15, 0.4, 0.12)
    rgb = shoot(bg, colour, truth, 37)
    fast = matte_fast(rgb)
    core = cv2.erode((pot > 0.99).astype(np.uint8), np.ones((15, 15), np.uint8)) > 0
    assert fast.hard[core].mean() > 0.95 and np.median(fast.evidence[core]) < 2.0
    res = fuse(rgb, cv2.GaussianBlur(leaves, (0, 0), 1.0), fast)
    assert np.mean(res.alpha[(pot > 0.99) & (leaves < 0.01)] > 0.5) > 0.95
    assert metrics.iou(res.alpha, truth) >= 0.95
