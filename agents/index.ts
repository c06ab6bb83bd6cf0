import { fileURLToPath } from 'node:url';
import type { AgentDefinition } from '../src/engine/agent.ts';
import { frontDesk } from './front-desk.ts';
import { tourGuide } from './tour-guide.ts';

export const agents: AgentDefinition[] = [frontDesk, tourGuide];

/** The agent every new session starts with. */
export const startAgent = 'frontDesk';

/** Where the agents' statesFile names resolve. */
export const statesDir = fileURLToPath(new URL('../states/', import.meta.url));
