import { afterEach } from "vitest";

// DOM helpers only where a test runs in jsdom; the pure store and lib tests run in plain Node (faster).
if (typeof window !== "undefined") {
  await import("@testing-library/jest-dom/vitest");
  const { cleanup } = await import("@testing-library/react");
  afterEach(() => {
    cleanup();
    localStorage.clear();
  });
}
