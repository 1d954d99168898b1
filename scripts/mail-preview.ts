// `npm run mail:preview [outDir]`: renders every mail template in every locale (default outDir data/mail-preview).
import { writeMailPreviews } from '../src/mail/preview.js';

const outDir = process.argv[2] ?? 'data/mail-preview';
const indexPath = await writeMailPreviews(outDir);
console.log(indexPath);
