/**
 * Turns off zod's JIT before any schema is built. Its object schemas otherwise probe `new Function('')` once, and
 * under the app's Content-Security-Policy (no 'unsafe-eval', see vite.config.ts) that probe is reported as a
 * policy violation even though zod catches it. Import this module first in every entry point (page and worker).
 */
import { config } from 'zod';

config({ jitless: true });
