"""The last look for a shrub's white pot (`auto.look_past_shadows`): past the plant and its cast shadows
on the flattened photo, taken only where the answer is the plant alone (`light_parts.plant_alone`)."""

from __future__ import annotations

import numpy as np

from engine.matting.auto.light_parts import plant_alone
from engine.matting.auto.look_past import look_past_shadows
from engine.matting.auto.measures import Tones
from engine.matting.auto.second_look import FLATTEN_LEVEL, flatten_backdrop
from tests.engine_matting.test_auto_beside import H, W, sweep


def test_the_pot_is_found_once_the_shadow_is_painted_out() -> None:
    """A network that cuts the plant's cast shadow while it is in view, and the pot once it is not."""
    rgb, background = sweep()
    first = np.zeros((H, W), np.float32)
    first[20:90, 70:130] = 1.0
    rgb[first > 0] = (40, 110, 40)
    shadow = np.zeros((H, W), bool)
    shadow[60:100, 130:190] = True
    rgb[shadow] = np.round(0.9 * 0.7 * 255)
    pot = np.zeros((H, W), bool)
    pot[90:150, 75:125] = True
    rgb[pot] = np.round(0.9 * 0.98 * 255)
    level = round(FLATTEN_LEVEL * 255)

    def predict(image: np.ndarray) -> np.ndarray:
        shown = image[shadow]
        return (pot if (shown == level).all() else shadow).astype(np.float32)

    flat = flatten_backdrop(rgb, background)
    merged, share = look_past_shadows(first, predict, flat, Tones(rgb, background))
    assert share > 0.05 and (merged[100:140, 85:115] == 1.0).all()
    assert (merged[shadow] < 0.5).all()


def test_a_plant_alone_is_all_coloured_and_lacy() -> None:
    """Stems with sweep between them over a band of leaves: a plant. Its white pot found too, or one
    solid coloured body (a green bottle: `light_parts.PLANT_LACY`), is not a plant alone."""
    tint = np.zeros((H, W), np.float32)
    tint[20:90, 70:130] = 0.4
    solid = np.zeros((H, W), bool)
    solid[20:90, 70:130] = True
    answer = solid.copy()
    answer[20:80, 70:130] = (np.arange(60) // 5) % 2 == 0  # stems 5 px wide, 5 px apart
    assert plant_alone(answer, tint)
    assert not plant_alone(solid, tint)
    answer[90:150, 75:125] = True  # its white pot found too
    assert not plant_alone(answer, tint)
    assert not plant_alone(np.zeros((H, W), bool), tint)
