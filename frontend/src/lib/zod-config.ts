import { z } from 'zod';

/**
 * zod without its JIT (`new Function`): the app's CSP has no 'unsafe-eval', and zod's probe for it — caught, but
 * still a `securitypolicyviolation` report on every page load — would drown real reports. Imported first by main.tsx.
 */
z.config({ jitless: true });
