import { readFileSync, readdirSync } from 'node:fs';
import * as nodePath from 'node:path';
import { describe, expect, it } from 'vitest';
import { BRIDGE_CODE_BY_DOMAIN_KIND, toBridgeError } from '../../../electron/services/bridge-errors.js';
import { BRIDGE_CODES } from '../../../electron/shared/bridge-codes.js';
import { allWireCodes, WireCode, wireCodeSpec } from '../../../server/errors/codes.js';
import { BerthError, DOMAIN_ERROR_KINDS } from '../../../server/errors/domain.js';
import { toV1Error, V1_BY_KIND } from '../../../server/http/v1/respond.js';
import { toWireError, V2_BY_KIND } from '../../../server/http/v2/wire-error.js';

const REPO_ROOT = nodePath.resolve(import.meta.dirname, '..', '..', '..');

/** README.md and every Markdown file under docs/, where a reader looks a code up. */
function documentation(): string {
  const files = [nodePath.join(REPO_ROOT, 'README.md')];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = nodePath.join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.md')) files.push(path);
    }
  };
  walk(nodePath.join(REPO_ROOT, 'docs'));
  return files.map((file) => readFileSync(file, 'utf8')).join('\n');
}

/** The code as a word of its own: BLOB_UNKNOWN inside MANIFEST_BLOB_UNKNOWN does not count. */
const mentions = (text: string, code: string): boolean => new RegExp(`(?<![A-Z0-9_])${code}(?![A-Z0-9_])`).test(text);

describe('v2 wire codes', () => {
  it('are each registered once, under their own name', () => {
    const codes = Object.values(WireCode);
    expect(new Set(codes).size).toBe(codes.length);
    for (const [key, code] of Object.entries(WireCode)) expect(code).toBe(key);
    expect([...allWireCodes().keys()].sort()).toEqual([...codes].sort());
  });

  it('have a client-facing status and message each', () => {
    for (const code of Object.values(WireCode)) {
      const spec = wireCodeSpec(code);
      expect(spec.status, code).toBeGreaterThanOrEqual(400);
      expect(spec.status, code).toBeLessThan(600);
      expect(spec.message, code).not.toBe('');
    }
  });

  it('are each documented in README.md or docs/', () => {
    const docs = documentation();
    const undocumented = Object.values(WireCode).filter((code) => !mentions(docs, code));
    expect(undocumented).toEqual([]);
  });
});

describe('bridge error codes (the desktop app and the headless console)', () => {
  it('are each listed once and documented in README.md or docs/', () => {
    expect(new Set(BRIDGE_CODES).size).toBe(BRIDGE_CODES.length);
    const docs = documentation();
    expect(BRIDGE_CODES.filter((code) => !mentions(docs, code))).toEqual([]);
  });
});

describe('domain error kinds', () => {
  it('are each mapped in the v2 table, to a registered code', () => {
    expect(Object.keys(V2_BY_KIND).sort()).toEqual([...DOMAIN_ERROR_KINDS].sort());
    for (const kind of DOMAIN_ERROR_KINDS) {
      const wire = toWireError(new BerthError(kind, `a ${kind} error`));
      expect(wire.code, kind).toBe(V2_BY_KIND[kind].code);
      expect(wire.status, kind).toBe(V2_BY_KIND[kind].status ?? wireCodeSpec(wire.code).status);
      expect(allWireCodes().has(wire.code), kind).toBe(true);
    }
  });

  it('are each mapped in the v1 table, where only a 5xx hides the message', () => {
    expect(Object.keys(V1_BY_KIND).sort()).toEqual([...DOMAIN_ERROR_KINDS].sort());
    for (const kind of DOMAIN_ERROR_KINDS) {
      const v1 = toV1Error(new BerthError(kind, `a ${kind} error`));
      expect(v1.status, kind).toBe(V1_BY_KIND[kind].status);
      expect(v1.message, kind).toBe(V1_BY_KIND[kind].message ?? `a ${kind} error`);
      if (v1.status === 500) expect(v1.message, kind).toBe('Internal server error');
    }
  });

  it('are each mapped in the bridge table, to a bridge code', () => {
    expect(Object.keys(BRIDGE_CODE_BY_DOMAIN_KIND).sort()).toEqual([...DOMAIN_ERROR_KINDS].sort());
    for (const kind of DOMAIN_ERROR_KINDS) {
      const bridge = toBridgeError(new BerthError(kind, `a ${kind} error`));
      expect(bridge.code, kind).toBe(BRIDGE_CODE_BY_DOMAIN_KIND[kind]);
      expect(BRIDGE_CODES, kind).toContain(bridge.code);
      expect(bridge.message, kind).toBe(`a ${kind} error`);
    }
  });
});
