// Worker threads load plain JavaScript: register tsx, then run the TypeScript worker.
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
