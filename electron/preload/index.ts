// The sandboxed preload (bundled as CommonJS by electron/build.mjs): exposes `window.berth`, nothing else.
import { contextBridge, ipcRenderer, webUtils } from 'electron';
import { exposeBerth } from './expose.js';

exposeBerth({ contextBridge, ipcRenderer, webUtils });
