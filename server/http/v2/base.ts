import { sendJson } from './respond.js';
import type { V2Handler } from './context.js';

/** `GET /v2/`: the version check every client makes first; 200 means "this speaks registry v2". */
export const getBase: V2Handler = async ({ res, headOnly }) => {
  sendJson(res, 200, {}, {}, headOnly);
};
