"""`network_looks` and `NetworkMatte` replaying them: a batch's network stage takes every look `auto`
asks for, its finish stage replays them, and the matte is the one `auto` makes with the network at hand.

The network is a stand-in answering as ISNet does on these shots (the screen alone, then the phone), as
in test_auto_fusion; the colour model, the decisions and the fusion are the real ones.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from engine.matting import MatteOptions, MissingModel, matte, network_looks
from engine.matting.model import NetworkMatte
from tests.engine_matting.test_auto_fusion import SIZE, soft_rect, white_phone_shot


class U8Network:
    """The n-th call answers the n-th answer (the last one thereafter), as uint8 like `predict_u8`."""

    def __init__(self, *answers: np.ndarray) -> None:
        self.answers = [np.clip(a * 255.0 + 0.5, 0, 255).astype(np.uint8) for a in answers]
        self.inputs: list[np.ndarray] = []

    def predict_u8(self, rgb: np.ndarray) -> np.ndarray:
        self.inputs.append(rgb)
        return self.answers[min(len(self.inputs), len(self.answers)) - 1]

    def predict(self, rgb: np.ndarray) -> np.ndarray:
        """The session interface with the same answers: what the one-image path would be given."""
        return NetworkMatte(self.predict_u8(rgb)).at(rgb.shape[0], rgb.shape[1])


def test_every_look_auto_asks_for_is_recorded_and_replays_to_the_same_matte() -> None:
    """Screen, screen again, then the phone past the screen: three looks, taken in the network stage;
    the finish stage's replay gives the matte, method, quality and details of the direct run."""
    rgb, phone, screen = white_phone_shot()
    answers = (screen, screen, cv2.GaussianBlur(phone, (0, 0), 1.0))
    staged = U8Network(*answers)
    first = staged.predict_u8(rgb)  # the network stage's batched first look
    looks = network_looks(rgb, staged.predict_u8, first=first)
    assert len(looks) == 3 and len(staged.inputs) == 3  # the first was not run twice
    assert all(look.dtype == np.uint8 and look.shape == (SIZE, SIZE) for look in looks)

    replayed = matte(rgb, "auto", session=NetworkMatte(np.stack(looks)))
    direct = matte(rgb, "auto", session=U8Network(*answers))
    assert replayed.method == direct.method == "auto:model"
    assert np.array_equal(replayed.alpha, direct.alpha)
    assert replayed.quality == direct.quality and replayed.details == direct.details
    assert replayed.details["beside_added"] > 0.01  # the look past the screen found the frame


def test_a_smooth_sweep_needs_the_first_look_only() -> None:
    """A clean sweep: auto cannot ask for a second look there, so the stage runs nothing more."""
    h = w = SIZE
    y = np.linspace(0.0, 1.0, h, dtype=np.float32)[:, None, None]
    bg = np.broadcast_to(0.94 - 0.03 * y, (h, w, 3)).copy()
    box = soft_rect(120, 110, 270, 300)
    rgb = np.clip((bg * (1 - box[..., None]) + 0.2 * box[..., None]) * 255 + 0.5, 0, 255).astype(np.uint8)
    net = U8Network(box)
    looks = network_looks(rgb, net.predict_u8, first=net.predict_u8(rgb))
    assert len(looks) == 1 and len(net.inputs) == 1


def test_a_replay_asked_for_more_looks_than_recorded_fails_loudly() -> None:
    """Never the first look again in place of a second one: the stages disagreeing is an error."""
    rgb, _, screen = white_phone_shot()
    one = NetworkMatte(np.clip(screen * 255 + 0.5, 0, 255).astype(np.uint8))
    one.predict(rgb)
    with pytest.raises(RuntimeError, match="recorded 1 look"):
        one.predict(rgb)


def strapped_box() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(rgb, box, strap): a dark box with a thin strap above it on a clean sweep."""
    y = np.linspace(0.0, 1.0, SIZE, dtype=np.float32)[:, None, None]
    bg = np.broadcast_to(0.94 - 0.03 * y, (SIZE, SIZE, 3)).copy()
    box = soft_rect(120, 110, 270, 300)
    strap = soft_rect(186, 40, 196, 110)  # thin, touching the box
    product = np.maximum(box, strap)[..., None]
    rgb = np.clip((bg * (1 - product) + 0.2 * product) * 255 + 0.5, 0, 255).astype(np.uint8)
    return rgb, box, strap


def test_network_first_asks_the_network_where_the_colour_model_would_decide_alone() -> None:
    """Colour-first `auto` decides this clean shot alone; network-first asks the network, which drops
    the strap, and keeps the colour model's correction (the strap), which the network's answer alone
    (`model`) loses. The batch's replay of the recorded look gives the same matte."""
    rgb, box, strap = strapped_box()
    first = MatteOptions(network_first=True)

    colour_first = U8Network(box)
    assert matte(rgb, "auto", session=colour_first).method == "auto:fast" and not colour_first.inputs

    direct_net = U8Network(box)
    direct = matte(rgb, "auto", session=direct_net, options=first)
    assert direct.method == "auto:model" and len(direct_net.inputs) == 1
    on_strap = strap > 0.99
    assert float(np.median(direct.alpha[on_strap])) > 0.9  # the colour model's thin part kept
    alone = matte(rgb, "model", session=U8Network(box))
    assert float(np.median(alone.alpha[on_strap])) < 0.1  # the network's answer alone drops it

    staged = U8Network(box)
    looks = network_looks(rgb, staged.predict_u8, first=staged.predict_u8(rgb), options=first)
    replayed = matte(rgb, "auto", session=NetworkMatte(np.stack(looks)), options=first)
    assert np.array_equal(replayed.alpha, direct.alpha) and replayed.quality == direct.quality


def test_network_first_without_a_network_says_so() -> None:
    """Without a session colour-first `auto` answers this shot alone; network-first says the image
    needs the model (MissingModel), never a silent colour-model answer."""
    rgb, _, _ = strapped_box()
    assert matte(rgb, "auto").method == "auto:fast"
    with pytest.raises(MissingModel, match="needs the matting model"):
        matte(rgb, "auto", options=MatteOptions(network_first=True))
