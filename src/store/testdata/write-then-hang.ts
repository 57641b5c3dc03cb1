/** Test child: writes a machine and its inventory to the store at argv[2], says so, then hangs until killed. */
import { openStore } from '../open.js';

const store = await openStore(process.argv[2]!);
await store.migrate();
await store.machines.create({
  id: 'm-killed',
  name: 'killed',
  os: null,
  role: null,
  criticality: 'low',
  owner: null,
  location: null,
  tags: [],
  internetFacing: false,
  source: 'agent',
  agentId: null,
  createdAt: '2026-03-01T00:00:00.000Z',
  lastSeenAt: null,
  inventoryHash: null,
  inventoryAt: null,
  assessedHash: null,
  assessedAt: null,
});
await store.machines.putInventory('m-killed', 'h-acked', '{"packages":[]}', '2026-03-01T00:01:00.000Z');
process.stdout.write('committed\n');
setInterval(() => undefined, 60_000);
