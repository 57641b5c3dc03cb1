/**
 * The console's build: one page application compiled into dist/web, which `patchhive serve` serves
 * at `/` beside the API. `npm run dev:web` serves it with hot reload and sends /api to a local server.
 */
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  plugins: [react()],
  build: {
    outDir: '../dist/web',
    emptyOutDir: true,
    sourcemap: true,
    // Every page is its own chunk; the first page loads only the shell and the page it shows.
    chunkSizeWarningLimit: 600,
    rollupOptions: {
      onwarn(warning, warn) {
        // zod's sources carry tree-shaking comments Rollup cannot place; it drops them, nothing is lost.
        if (warning.code === 'INVALID_ANNOTATION' && warning.id?.includes('/node_modules/zod/')) return;
        warn(warning);
      },
    },
  },
  server: { proxy: { '/api': process.env.PATCHHIVE_URL ?? 'http://127.0.0.1:8080' } },
});
