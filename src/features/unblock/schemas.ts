// The unblock code as requests carry it: 8 characters of FxA's base32 alphabet (either case).

import { Type } from '@sinclair/typebox';

export const unblockCodeSchema = Type.String({ pattern: '^[a-zA-Z0-9]*$', minLength: 8, maxLength: 8 });
