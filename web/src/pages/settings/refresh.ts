import { queryClient } from '../../api';
import type { paths } from '../../../../src/protocol/openapi.gen';

/** Refetches every GET of these paths (after a change). */
export function refresh(...paths: (keyof paths)[]): Promise<void> {
  return Promise.all(paths.map((p) => queryClient.invalidateQueries({ queryKey: ['get', p] }))).then(() => undefined);
}
