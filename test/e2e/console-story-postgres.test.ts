/** The administrator's story in the console on PostgreSQL (see console-story.ts). */
import { consoleStory, whyNoStory } from './console-story.js';

consoleStory('postgres', await whyNoStory('postgres'));
