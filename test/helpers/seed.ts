import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The voice-agents guide's four-state flow, which must load unchanged: the shared seed laid beside
 * the repository when there is one (sessions and CI have it), else the copy kept with the tests.
 */
const shared = fileURLToPath(new URL('../../../shared/seed/voice-agents-states.json', import.meta.url));
export const SEED_STATES = existsSync(shared) ? shared : fileURLToPath(new URL('../fixtures/seed/voice-agents-states.json', import.meta.url));
