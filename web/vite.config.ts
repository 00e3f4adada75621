/// <reference types="vitest/config" />
import tailwindcss from "@tailwindcss/vite";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// The API runs on the same origin in production (Ray Serve serves web/dist); `npm run dev` proxies it.
const api = process.env.DRISYA_API ?? "http://127.0.0.1:8000";

export default defineConfig({
  plugins: [react(), tailwindcss()],
  server: {
    proxy: {
      "/v1": { target: api, ws: true },
      "/healthz": api,
    },
  },
  build: {
    rollupOptions: {
      output: {
        // recharts is only needed by the admin analytics page; keep it out of the first load.
        manualChunks(id: string) {
          if (id.includes("node_modules/recharts") || id.includes("node_modules/d3-")) return "charts";
          if (id.includes("node_modules/react") || id.includes("node_modules/scheduler")) return "react";
          return undefined;
        },
      },
    },
  },
  test: {
    environment: "node", // DOM tests opt in with `// @vitest-environment jsdom`
    setupFiles: ["./src/test-setup.ts"],
    include: ["src/**/*.test.{ts,tsx}"],
    css: false,
  },
});
