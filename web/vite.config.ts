import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The dashboard, served by the API at /admin (same origin: the session cookie and the CSRF header just work).
// `npm run web:build` writes web/dist; `npm run web:dev` proxies /api to an API on CUTOVER_API (default :8080).
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/admin/',
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false },
  server: { proxy: { '/api': process.env.CUTOVER_API ?? 'http://127.0.0.1:8080' } },
});
