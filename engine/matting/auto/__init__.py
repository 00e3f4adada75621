"""`auto` matting: the colour model where the background is clean, the network where it is not, fused.

Most product photos on white are solved exactly, and ~10x faster, by the colour model; it knows when it
is unsure (edges where product and background colours meet, dark or noisy backgrounds, a product cut by
the frame). Only those images pay for the network. Where the network runs, its mask is corrected with
what the colour model is sure of, because salient-object networks have two known failures on products:
they punch holes into large flat interiors (a laptop screen, a card, a box face) and they drop thin
parts (straps, stems, cables). Here a region enclosed by the product that is unlike the background is
product, and strongly non-background structures connected to the product stay.

White-on-white is where the colour model is blind while sure of itself: it finds the print or the dark
screen and calls the white body backdrop. It is therefore not trusted where it left faint regions out
or where its smooth backdrop surface does not describe the sweep (photographed paper, uneven light);
that residual comes from the backdrop fit alone (a thumbnail), so such images go to the network without
paying for the colour model's edge refinement. The network is blind there too: it cuts the screen or
the slot alone. Where its answer is unsure of a body or is a dark part, it takes a second look at the
photo with the backdrop divided out and amplified, where a white body stands clear of the sweep, and
what it finds there is added unless it is darker than the backdrop (a shadow). Where its answer holds a
part the colour model left out that looks like a cast shadow (darker than the sweep, of its colour), it
takes the same look only to drop what it no longer finds there; where it took a grey part (a bulb's
metal base) with the shadow around it, the group that keeps the sweep's colour, evenly dark and beside
the product, is dropped, and a grey part both models left out is added where it stands out from the
shadow beside it in tint per unit of darkening (`neutral_shadow`, `tinted_parts`). A body the colour
model found whole (unlike the backdrop through its core) beside the part the network cut is added.
Where its answer is a coloured part with faint regions against it (a plant over a white pot), or still
a dark part that no light body encloses (a screen with bits of a thin white frame), it looks once more
at the flattened photo with that part painted out, where the light body is what stands out. Where it
was unsure of a body and took no such look, or the look past a dark part found nothing while faint
regions were left, or no look found a pot under a plant, it looks at the photo on the sweep's own local
level with what it found and the shadows painted out (`light_parts`), where a pale part joined to the
found one (a printer's lighter top face above its front, a pot) is no longer one blotch among the
sweep's; for a pot, again with lighter shadows painted, then past the plant and its shadows. A hole in
the answer the colour of the matte around it is that surface missed (`even_holes`); pieces of a cast
shadow fusion or a look added are dropped (`shadow_pieces`). Where the
answer is a dark screen with bits of a light frame, the frame is completed side by side where the
photo shows its outer edge, a faint straight step along each of the screen's sides (`frames`); where
it is mostly a light upright box, the box is completed to the photo's four straight edges (`cards`).
Where it is still unsure of a white body it is read below one half if that outline lies on an image edge; an even
partial network alpha is kept as glass, and an enclosed region that matches the backdrop is not opened
as a hole where the network reads it as glass or its pixels are clipped to white. Where the network's
edge is a wide ramp (a card's or a printer's light rim), the outline is moved to the photo's own faint
step (`snap_soft_edges`), and pinholes its patchy answer leaves in a light body are filled, as are
narrow notches in a light body's outline that keep its colour (`fill_light_notches`). The quality score
(engine.matting.score) falls with each of these doubts, so batches can flag the matte.

The package, in the order `matte_auto` (`orchestrator`) runs it:
- `trust`: how far the colour model (engine.matting.fast) is trusted: faint departures it left out,
  a backdrop its smooth surface does not describe (`fast_trust`, `BACKDROP_RESIDUAL`).
- `second_look`: why the network's first answer may have missed a light body (`second_look_reason`,
  `shadow_like_part`, `dark_part`), the flattened photo (`flatten_backdrop`) and its merge.
- `look_past`: the look past a dark or coloured part, painted out (`paint_out`, `merge_beside`), and
  past a plant's shadows (`look_past_shadows`); `branch_gaps` keeps the gaps between branches out.
- `light_parts`: the look on the sweep's own local level (`look_on_local_level`), for a printer's top
  face or a plant's pot (`plant_alone`).
- `frames`, `cards`: a phone's light frame and a light card completed to the photo's straight edges.
- `fusion`: the network's answer fused with what the colour model is sure of (`fuse`), with its rules
  in `level` (the cut level), `grey_parts` (a grey part and its shadow), `shadow_pieces` (cast shadows
  added or taken), `holes` (holes to fill or open), `glass` (partial alpha kept) and `edges` (soft
  outlines snapped, notches filled); `even_holes` fills holes of the matte's own colour after it.
- `measures`: what several of them measure alike (`Tones`: the photo's ratio, darkening and tint
  against the backdrop, measured once per matte; the network's undecided share; the shared shadow
  thresholds); mask geometry shared with the rest of matting is engine.matting.masks.
The quality score is engine.matting.score; `doubts` measures what it ranks by.
"""

from engine.matting.auto.orchestrator import MissingModel, matte_auto
from engine.matting.auto.trust import BACKDROP_RESIDUAL

__all__ = ["BACKDROP_RESIDUAL", "MissingModel", "matte_auto"]
