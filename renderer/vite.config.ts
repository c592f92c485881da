// Built with `vite build renderer`: this folder is the Vite root, the output lands in renderer/dist.
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

export default defineConfig({
  plugins: [react()],
  // Relative asset URLs: the same build is loaded from the headless console and from a file/app URL in Electron.
  base: './',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // The console's CSP is `script-src 'self'; style-src 'self'`: nothing may be inlined into index.html.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    cssCodeSplit: false,
  },
});
