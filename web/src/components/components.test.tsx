// @vitest-environment jsdom
import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { useState } from "react";
import { describe, expect, it, vi } from "vitest";

import { DEFAULT_RECIPE, type RecipeForm } from "../lib/recipe";
import { DropZone } from "./DropZone";
import { RecipeControls } from "./RecipeControls";
import { ErrorBox, Pager } from "./ui";

describe("components", () => {
  it("ErrorBox shows an API error in words with a retry", async () => {
    const retry = vi.fn();
    render(<ErrorBox error={{ status: 404, data: { error: "not_found", detail: "no job abc" } }} onRetry={retry} />);
    expect(screen.getByRole("alert")).toHaveTextContent("no job abc");
    expect(screen.getByRole("alert")).not.toHaveTextContent("{");
    await userEvent.click(screen.getByRole("button", { name: "Try again" }));
    expect(retry).toHaveBeenCalledOnce();
  });

  it("DropZone passes images and ZIPs on and names refused files", async () => {
    const onFiles = vi.fn();
    render(<DropZone onFiles={onFiles} />);
    const input = screen.getByTestId("file-input") as HTMLInputElement;
    await userEvent.upload(input, [new File(["a"], "a.png", { type: "image/png" }), new File(["b"], "b.pdf", { type: "application/pdf" })], { applyAccept: false });
    const [files, refused] = onFiles.mock.calls[0];
    expect(files.map((f: File) => f.name)).toEqual(["a.png"]);
    expect(refused).toEqual([{ name: "b.pdf", reason: "not an image or a ZIP" }]);
  });

  it("RecipeControls: choosing a preset locks aspect and size; the keyboard picks an aspect", async () => {
    let last: RecipeForm = DEFAULT_RECIPE;
    function Host() {
      const [f, setF] = useState<RecipeForm>({ ...DEFAULT_RECIPE, module: "look" });
      last = f;
      return <RecipeControls form={f} onChange={setF} />;
    }
    render(<Host />);
    const wide = screen.getByRole("radio", { name: "16:9" });
    wide.focus();
    await userEvent.keyboard("{Enter}");
    expect(last.aspect).toBe("16:9");
    await userEvent.selectOptions(screen.getByLabelText(/Platform preset/), "amazon");
    expect(last.preset).toBe("amazon");
    expect(screen.getByRole("radio", { name: "1:1" })).toBeDisabled();
  });

  it("Pager hides for one page and moves between pages", async () => {
    const onPage = vi.fn();
    const { rerender, container } = render(<Pager page={1} total={10} pageSize={24} onPage={onPage} />);
    expect(container).toBeEmptyDOMElement();
    rerender(<Pager page={1} total={50} pageSize={24} onPage={onPage} />);
    expect(screen.getByText("Page 1 of 3")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Previous" })).toBeDisabled();
    await userEvent.click(screen.getByRole("button", { name: "Next" }));
    expect(onPage).toHaveBeenCalledWith(2);
  });
});
