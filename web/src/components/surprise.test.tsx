// @vitest-environment jsdom
import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { Provider } from "react-redux";
import { useState } from "react";
import { describe, expect, it, vi } from "vitest";

import { SurpriseTile } from "../pages/JobPage";
import { makeStore } from "../store/store";
import type { JobImage } from "../lib/types";
import { ThemePicker } from "./SurpriseControls";

const THEMES = [
  { name: "festive", title: "Festive", description: "Warm celebration backdrops with bokeh glow." },
  { name: "luxury", title: "Luxury", description: "Dark marble, velvet and gold light." },
  { name: "tech", title: "Tech", description: "Cool dark gradients and crisp rim light." },
];

describe("Surprise for You", () => {
  it("ThemePicker shows each theme's title and description and is chosen by keyboard", async () => {
    const onChange = vi.fn();
    function Host() {
      const [v, setV] = useState("");
      return (
        <ThemePicker
          themes={THEMES}
          value={v}
          onChange={(n) => {
            setV(n);
            onChange(n);
          }}
        />
      );
    }
    render(<Host />);
    expect(screen.getByRole("radiogroup", { name: "Theme" })).toBeInTheDocument();
    const luxury = screen.getByRole("radio", { name: /Luxury/ });
    expect(luxury).toHaveTextContent("Dark marble, velvet and gold light.");
    expect(luxury).toHaveAttribute("aria-checked", "false");
    await userEvent.tab();
    await userEvent.tab();
    expect(luxury).toHaveFocus();
    await userEvent.keyboard("{Enter}");
    expect(onChange).toHaveBeenCalledWith("luxury");
    expect(luxury).toHaveAttribute("aria-checked", "true");
    await userEvent.tab();
    await userEvent.keyboard(" ");
    expect(onChange).toHaveBeenLastCalledWith("tech");
  });

  it("SurpriseTile lists each variant with its template and says in words when the video cannot load", async () => {
    const image: JobImage = {
      id: "im1",
      name: "shoot/bag.jpg",
      status: "done",
      outputs: [
        { index: 0, name: "bag-luxury-1.jpg", kind: "image", content_type: "image/jpeg", variant: 1, template: "marble-01", seed: 7, url: "/v1/jobs/j/images/im1/outputs/0", preview_url: "/v1/jobs/j/images/im1/outputs/0?preview=true" },
        { index: 1, name: "bag-luxury-2.jpg", kind: "image", content_type: "image/jpeg", variant: 2, template: "velvet-02", seed: 7, url: "/v1/jobs/j/images/im1/outputs/1", preview_url: "/v1/jobs/j/images/im1/outputs/1?preview=true" },
        { index: 2, name: "bag-luxury.mp4", kind: "video", content_type: "video/mp4", variant: 0, seed: 7, url: "/v1/jobs/j/images/im1/outputs/2" },
      ],
    };
    render(
      <Provider store={makeStore()}>
        <ul>
          <SurpriseTile image={image} />
        </ul>
      </Provider>,
    );
    expect(screen.getByText("2 variants + video")).toBeInTheDocument();
    expect(screen.getByRole("list", { name: "Variants of shoot/bag.jpg" }).children).toHaveLength(2);
    expect(screen.getByRole("button", { name: "Variant 1 · marble-01" })).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Variant 2 · velvet-02" })).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Download the video" })).toBeInTheDocument();
    // no server behind this test: the video's fetch fails and the tile says so instead of a blank box
    await waitFor(() => expect(screen.getByRole("alert")).toHaveTextContent(/^The video could not be loaded \(.+\)\.$/));
  });
});
