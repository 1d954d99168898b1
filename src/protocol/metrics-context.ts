// The flow and attribution fields a client may attach to a request (the swagger's
// `metricsContext`). The schema validates requests and feeds the OpenAPI document; the
// type is what services and our client pass around.

import { Type, type Static } from '@sinclair/typebox';
import { hex } from '../http/schemas.js';

const utm = Type.String({ maxLength: 128, pattern: '^[\\w\\/.%-]+$' });
const entrypoint = Type.String({ maxLength: 128, pattern: '^[\\w.:-]+$' });

export const metricsContextSchema = Type.Object(
  {
    deviceId: Type.Optional(hex(16)),
    entrypoint: Type.Optional(entrypoint),
    entrypointExperiment: Type.Optional(entrypoint),
    entrypointVariation: Type.Optional(entrypoint),
    flowId: Type.Optional(hex(32)),
    flowBeginTime: Type.Optional(Type.Integer({ exclusiveMinimum: 0 })),
    utmCampaign: Type.Optional(utm),
    utmContent: Type.Optional(utm),
    utmMedium: Type.Optional(utm),
    utmSource: Type.Optional(utm),
    utmTerm: Type.Optional(utm),
    productId: Type.Optional(Type.String({ maxLength: 128 })),
    planId: Type.Optional(Type.String({ maxLength: 128 })),
  },
  { additionalProperties: false, dependencies: { flowId: ['flowBeginTime'], flowBeginTime: ['flowId'] } },
);

export type MetricsContext = Static<typeof metricsContextSchema>;
