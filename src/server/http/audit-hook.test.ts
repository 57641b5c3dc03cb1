import { describe, expect, it } from 'vitest';
import { shouldAudit } from './audit-hook.js';

describe('shouldAudit', () => {
  it.each([
    ['POST', '/api/v1/groups', 201, {}, true],
    ['PATCH', '/api/v1/groups/g', 404, {}, true],
    ['DELETE', '/api/v1/tokens/t', 500, undefined, true],
    ['POST', '/api/v1/groups', 429, {}, true],
    ['GET', '/api/v1/groups', 200, undefined, false],
    ['GET', '/api/v1/tokens', 403, undefined, true],
    ['GET', '/metrics', 401, undefined, true],
    ['POST', '/elsewhere', 404, {}, false],
    ['POST', '/api/v1x', 404, {}, false],
    ['POST', '/api/v1/agent/enroll', 201, {}, true],
    ['POST', '/api/v1/agent/checkin', 200, { inventoryHash: 'h' }, false],
    ['POST', '/api/v1/agent/checkin', 400, { inventoryHash: 'h' }, true],
    ['POST', '/api/v1/agent/checkin', 200, { inventoryHash: 'h', inventory: {} }, true],
    ['POST', '/api/v1/agent/checkin', 200, { inventoryHash: 'h', jobReports: [] }, false],
    ['POST', '/api/v1/agent/checkin', 200, { inventoryHash: 'h', jobReports: [{}] }, true],
  ])('%s %s → %i', (method, path, status, body, expected) => {
    expect(shouldAudit(method, path, status, body, false)).toBe(expected);
  });

  it('records hash-only check-ins when asked to', () => {
    expect(shouldAudit('POST', '/api/v1/agent/checkin', 200, { inventoryHash: 'h' }, true)).toBe(true);
  });
});
