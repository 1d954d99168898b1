// The X-Template-Version each mail template carries, written out: the header is part of the
// wire format clients and mail tooling see, so a change to it must show up as a test change.
// Tests compare with this table rather than with TEMPLATE_VERSIONS, the table under test.

import type { TemplateName } from '../../src/mail/index.js';

export const EXPECTED_TEMPLATE_VERSIONS: Readonly<Record<TemplateName, number>> = {
  verify: 7,
  verifyShortCode: 5,
  verifyLogin: 6,
  verifyLoginCode: 8,
  newDeviceLogin: 7,
  postVerify: 8,
  verifySecondaryCode: 3,
  postVerifySecondary: 6,
  postRemoveSecondary: 5,
  postChangePrimary: 5,
  verifyPrimary: 8,
  verificationReminderFirst: 10,
  verificationReminderSecond: 11,
  verificationReminderFinal: 1,
  cadReminderFirst: 3,
  cadReminderSecond: 3,
  unblockCode: 6,
};
