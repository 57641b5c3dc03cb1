/** Names for the API's wire shapes, straight from the generated OpenAPI types. */
import type { components } from '../../src/protocol/openapi.gen';

export type Schemas = components['schemas'];
