/// <reference types="vitest/config" />
import { fileURLToPath } from 'node:url';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vite';

const sharedSchema = fileURLToPath(new URL('../shared_schema', import.meta.url));
const staticDir = fileURLToPath(new URL('../server/journeyboard/static', import.meta.url));

export default defineConfig({
  plugins: [svelte()],
  server: {
    // The client imports the close codes from ../shared_schema.
    fs: { allow: ['.', sharedSchema] },
  },
  build: {
    outDir: staticDir,
    emptyOutDir: true,
  },
  test: {
    include: ['src/**/*.test.ts'],
  },
});
