// `npm run build` (after tsc): bundles the pages' script and stylesheet into dist/public/.
import { ASSETS_DIR, buildPageAssets } from './assets.js';

const manifest = await buildPageAssets();
process.stdout.write(`web pages: ${Object.values(manifest).join(', ')} in ${ASSETS_DIR}\n`);
