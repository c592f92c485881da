import { readV1Json } from './body.js';
import { sendV1Json, V1Error } from './respond.js';
import type { V1Handler } from './context.js';

/**
 * The index's user endpoints, as the standalone registry emulates them: there are no v1 accounts. Real
 * credentials, when wanted, are checked by Berth's TLS + basic-auth proxy before a request gets here, so
 * a login that reaches this point has already passed (or needed none).
 */

/** `GET /v1/users/`: "is this login good?" (Docker 1.11+ v1 login and the retry of older clients). */
export const getUsers: V1Handler = async ({ res, headOnly }) => {
  sendV1Json(res, 200, 'OK', {}, headOnly);
};

/** `POST /v1/users/`: account creation; any JSON body is accepted, as in the original. */
export const postUsers: V1Handler = async ({ req, res }) => {
  if ((await readV1Json(req)) === undefined) throw new V1Error(400, 'Error Decoding JSON');
  sendV1Json(res, 201, 'User Created');
};

/** `PUT /v1/users/<username>/`: account update; nothing to update. */
export const putUser: V1Handler = async ({ req, res }) => {
  await readV1Json(req);
  sendV1Json(res, 204, '');
};
