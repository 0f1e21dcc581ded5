import { afterAll } from 'vitest';
import { removeTempDirs } from './temp-dirs.js';

// A setup file: runs before each test file, so the hook is that file's.
afterAll(removeTempDirs);
