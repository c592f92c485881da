import { sendV1Json } from './respond.js';
import type { V1Handler } from './context.js';

/**
 * `GET /_ping`, `GET /v1/_ping`: Berth is a standalone registry (it never asks an index about tokens), which
 * tells Docker to send its Basic credentials with every request over HTTPS.
 */
export const getPing: V1Handler = async ({ res, headOnly }) => {
  sendV1Json(res, 200, {}, { 'X-Docker-Registry-Standalone': 'True' }, headOnly);
};
