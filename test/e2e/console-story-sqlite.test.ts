/** The administrator's story in the console on SQLite (see console-story.ts). */
import { consoleStory, whyNoStory } from './console-story.js';

consoleStory('sqlite', await whyNoStory('sqlite'));
