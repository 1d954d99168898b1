// The pages' script: one controller per page (body[data-page]). The server renders every
// step of a page, localized; this switches steps, calls the API and shows the messages it was
// given in #messages. Errors go to the alert region #message and to the field they concern.
//
// Firefox (context=oauth_webchannel_v1) is not handled yet: the sign-in controller ends in
// `signedIn()` (kB in memory), where the WebChannel `fxaccounts:login` / oauth_login steps are
// to hook in, reusing returnToApp's scoped keys and /oauth/authorization.

import { Api, ApiError, ERRNO, type OAuthRequest, type Session, type SignedIn } from './api.js';
import { fromHex } from './crypto.js';
import { scopedKeysJwe } from './scoped-keys.js';

const SESSION_KEY = 'accounts.session';

const body = document.body;
const api = new Api(body.dataset.api ?? '/v1', {
  lang: document.documentElement.lang || undefined,
  serverTime: Number(body.dataset.serverTime),
});
const messages = JSON.parse(document.getElementById('messages')?.textContent ?? '{}') as Record<string, string>;
const messageRegion = document.getElementById('message') as HTMLElement;

function text(id: string): string {
  return messages[id] ?? messages['js-unexpected'] ?? id;
}

// ---- session kept by this browser ------------------------------------------------------------

function storedSession(): Session | undefined {
  try {
    const value = JSON.parse(localStorage.getItem(SESSION_KEY) ?? 'null') as Session | null;
    return value && typeof value.sessionToken === 'string' && typeof value.uid === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

function storeSession(session: Session | undefined): void {
  if (session) {
    const { uid, email, sessionToken, verified } = session;
    localStorage.setItem(SESSION_KEY, JSON.stringify({ uid, email, sessionToken, verified }));
  } else {
    localStorage.removeItem(SESSION_KEY);
  }
}

// ---- page helpers ----------------------------------------------------------------------------

function $(selector: string): HTMLElement {
  const element = document.querySelector<HTMLElement>(selector);
  if (!element) throw new Error(`missing ${selector}`);
  return element;
}

function input(id: string): HTMLInputElement {
  return $(`#${id}`) as HTMLInputElement;
}

/** Shows one step, hides the others, and moves focus to its heading (or first field). */
function showStep(step: string, focus: 'heading' | 'field' = 'heading'): void {
  for (const section of document.querySelectorAll<HTMLElement>('[data-step]')) {
    section.hidden = section.dataset.step !== step;
  }
  const section = document.querySelector<HTMLElement>(`[data-step="${step}"]`);
  const target =
    focus === 'field'
      ? (section?.querySelector<HTMLElement>('input:not([hidden])') ?? null)
      : (section?.querySelector<HTMLElement>('h1') ?? document.querySelector<HTMLElement>('h1'));
  target?.focus();
}

function fillSlots(name: string, value: string): void {
  for (const slot of document.querySelectorAll<HTMLElement>(`[data-slot="${name}"]`)) slot.textContent = value;
  for (const field of document.querySelectorAll<HTMLInputElement>(`[data-slot-value="${name}"]`)) field.value = value;
}

/** Announces a message (role=alert); `field` also marks that input invalid and describes it. */
function showError(messageId: string, field?: string): void {
  clearErrors();
  messageRegion.textContent = text(messageId);
  messageRegion.className = field ? 'message error for-field' : 'message error';
  if (field) {
    const element = input(field);
    element.setAttribute('aria-invalid', 'true');
    const fieldError = document.getElementById(`${field}-error`);
    if (fieldError) fieldError.textContent = text(messageId);
    element.focus();
  }
}

function showInfo(messageId: string): void {
  clearErrors();
  messageRegion.textContent = text(messageId);
  messageRegion.className = 'message info';
}

function clearErrors(): void {
  messageRegion.textContent = '';
  messageRegion.className = 'message';
  for (const element of document.querySelectorAll('[aria-invalid]')) element.removeAttribute('aria-invalid');
  for (const element of document.querySelectorAll('.field-error')) element.textContent = '';
}

/** The message for an API failure not handled by the caller. */
function errorMessage(err: unknown): string {
  if (!(err instanceof ApiError)) return 'js-unexpected';
  if (err.status === 0) return 'js-network';
  switch (err.errno) {
    case ERRNO.THROTTLED:
      return 'js-throttled';
    case ERRNO.REQUEST_BLOCKED:
      return 'js-blocked';
    case ERRNO.FAILED_TO_SEND_EMAIL:
      return 'js-mail-failed';
    case ERRNO.SERVICE_UNAVAILABLE:
      return 'js-unavailable';
    default:
      return 'js-unexpected';
  }
}

/** Runs an action with the form's buttons disabled and aria-busy set. */
async function busy(form: HTMLElement, action: () => Promise<void>): Promise<void> {
  const buttons = [...form.querySelectorAll<HTMLButtonElement>('button')];
  for (const button of buttons) button.disabled = true;
  form.setAttribute('aria-busy', 'true');
  try {
    await action();
  } finally {
    form.removeAttribute('aria-busy');
    for (const button of buttons) button.disabled = false;
  }
}

function onSubmit(id: string, handler: (form: HTMLFormElement) => Promise<void>): void {
  const form = $(`#${id}`) as HTMLFormElement;
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void busy(form, () => handler(form)).catch((err: unknown) => showError(errorMessage(err)));
  });
}

function query(): URLSearchParams {
  return new URLSearchParams(location.search);
}

/** Takes the mailed code out of the address bar (and history) once read. */
function forgetQuery(): void {
  history.replaceState(null, '', location.pathname);
}

// ---- OAuth for web apps (not Firefox: its WebChannel flow is context=oauth_webchannel_v1) ------

const OAUTH_FIELDS = [
  'client_id',
  'state',
  'scope',
  'response_type',
  'redirect_uri',
  'access_type',
  'code_challenge',
  'code_challenge_method',
  'acr_values',
] as const;

/** The app's authorization request in the page's query, if any. */
function oauthRequest(params: URLSearchParams): (OAuthRequest & { keysJwk?: string }) | undefined {
  if (params.get('context') === 'oauth_webchannel_v1') return undefined; // Firefox: next step of issue 10.
  const clientId = params.get('client_id');
  if (!clientId) return undefined;
  const request: Record<string, string> = {};
  for (const field of OAUTH_FIELDS) {
    const value = params.get(field);
    if (value !== null) request[field] = value;
  }
  request.scope ??= 'profile';
  request.state ??= '';
  const keysJwk = params.get('keys_jwk') ?? undefined;
  return { ...(request as unknown as OAuthRequest), keysJwk };
}

// ---- sign-in / sign-up -----------------------------------------------------------------------

const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function signinPage(): void {
  let email = '';
  let current: SignedIn | undefined;
  const oauth = oauthRequest(query());
  if (oauth) {
    for (const element of document.querySelectorAll<HTMLElement>('[data-oauth-only]')) element.hidden = false;
    fillSlots('client', oauth.client_id);
    void api
      .oauthClient(oauth.client_id)
      .then((client) => fillSlots('client', client.name))
      .catch(() => showError('js-oauth-failed'));
  }

  /** kB of this sign-in (hex), in memory only: an app's keys_jwk needs it. */
  let kB: string | undefined;

  /** Ends an app's sign-in: a code for it (with its scoped keys when it asked), then back to the app. */
  const returnToApp = async (session: Session) => {
    if (!oauth) return false;
    const { keysJwk, ...request } = oauth;
    if (keysJwk && !kB) {
      // A session kept from earlier has no keys: the password is needed again.
      email = session.email;
      fillSlots('email', email);
      showStep('signin', 'field');
      return true;
    }
    try {
      let keysJwe: string | undefined;
      if (keysJwk && kB) {
        const scopeData = await api.scopedKeyData(session.sessionToken, request.client_id, request.scope);
        if (Object.keys(scopeData).length > 0) keysJwe = await scopedKeysJwe(fromHex(kB), session.uid, scopeData, keysJwk);
      }
      const { redirect } = await api.oauthAuthorization(session.sessionToken, {
        ...request,
        response_type: 'code',
        ...(keysJwe ? { keys_jwe: keysJwe } : {}),
      });
      location.assign(redirect);
    } catch (err) {
      showError(
        err instanceof ApiError && err.status >= 400 && err.status < 500 && err.status !== 429
          ? 'js-oauth-failed'
          : errorMessage(err),
      );
    }
    return true;
  };

  const signedIn = async (session: SignedIn) => {
    current = session;
    storeSession(session);
    fillSlots('email', session.email);
    if (!session.verified) {
      showStep('code', 'field');
      return;
    }
    // Keys are fetched now, while the password's unwrapBKey is in memory: the Firefox
    // (WebChannel) flow derives the scoped keys from kB here. Plain web sign-in only drops them.
    if (session.keyFetchToken && session.unwrapBKey) {
      const keys = await api.accountKeys(session.keyFetchToken, session.unwrapBKey).catch(() => undefined);
      kB = keys?.kB;
      session.keyFetchToken = undefined;
      session.unwrapBKey = undefined;
    }
    if (await returnToApp(session)) return;
    showStep('done');
  };

  const startWith = (address: string) => {
    email = address;
    input('email').value = address;
  };

  onSubmit('email-form', async () => {
    const value = input('email').value.trim();
    if (!EMAIL_PATTERN.test(value)) return showError('js-email-invalid', 'email');
    clearErrors();
    const { exists } = await api.accountStatus(value);
    email = value;
    fillSlots('email', email);
    showStep(exists ? 'signin' : 'signup', 'field');
  });

  onSubmit('signin-form', async () => {
    const password = input('password').value;
    if (!password) return showError('js-password-incorrect', 'password');
    clearErrors();
    try {
      await signedIn(await api.signIn(email, password));
    } catch (err) {
      if (err instanceof ApiError && err.errno === ERRNO.INCORRECT_PASSWORD) return showError('js-password-incorrect', 'password');
      // Blocked for safety, passable with a mailed unblock code (FxA's "email-captcha").
      if (err instanceof ApiError && err.errno === ERRNO.REQUEST_BLOCKED && err.body.verificationMethod === 'email-captcha') {
        await api.sendUnblockCode(email);
        showStep('unblock', 'field');
        return;
      }
      if (err instanceof ApiError && err.errno === ERRNO.UNKNOWN_ACCOUNT) {
        showStep('signup', 'field');
        return showError('js-unknown-account');
      }
      throw err;
    }
  });

  onSubmit('signup-form', async () => {
    const password = input('new-password').value;
    if (password.length < 8) return showError('js-password-short', 'new-password');
    if (input('repeat-password').value !== password) return showError('js-password-mismatch', 'repeat-password');
    clearErrors();
    try {
      await signedIn(await api.signUp(email, password));
    } catch (err) {
      if (err instanceof ApiError && err.errno === ERRNO.ACCOUNT_EXISTS) {
        showStep('signin', 'field');
        return showError('js-account-exists');
      }
      throw err;
    }
  });

  onSubmit('unblock-form', async () => {
    const unblockCode = input('unblock-code').value.trim().toUpperCase();
    if (!/^[0-9A-Z]{8}$/.test(unblockCode)) return showError('js-unblock-invalid', 'unblock-code');
    clearErrors();
    try {
      // The password is still in its field (the sign-in form is only hidden).
      await signedIn(await api.signIn(email, input('password').value, { unblockCode }));
    } catch (err) {
      if (err instanceof ApiError && (err.errno === ERRNO.INVALID_UNBLOCK_CODE || err.errno === ERRNO.REQUEST_BLOCKED)) {
        return showError('js-unblock-wrong', 'unblock-code');
      }
      if (err instanceof ApiError && err.errno === ERRNO.INCORRECT_PASSWORD) {
        showStep('signin', 'field');
        return showError('js-password-incorrect', 'password');
      }
      throw err;
    }
  });

  onSubmit('code-form', async () => {
    const code = input('code').value.replace(/\s+/g, '');
    if (!/^\d{6}$/.test(code)) return showError('js-code-invalid', 'code');
    if (!current) return showStep('email');
    clearErrors();
    try {
      await api.verifySessionCode(current.sessionToken, code);
    } catch (err) {
      if (
        err instanceof ApiError &&
        (err.errno === ERRNO.INVALID_EXPIRED_OTP_CODE || err.errno === ERRNO.INVALID_VERIFICATION_CODE)
      ) {
        return showError('js-code-wrong', 'code');
      }
      throw err;
    }
    await signedIn({ ...current, verified: true });
  });

  for (const button of document.querySelectorAll<HTMLButtonElement>('[data-action="change-email"]')) {
    button.addEventListener('click', () => {
      clearErrors();
      showStep('email', 'field');
    });
  }

  const resend = $('[data-action="resend-code"]') as HTMLButtonElement;
  resend.addEventListener('click', () => {
    if (!current) return;
    const session = current;
    void busy(resend.parentElement ?? resend, async () => {
      await api.resendSessionCode(session.sessionToken);
      showInfo('js-code-sent');
    }).catch((err: unknown) => showError(errorMessage(err)));
  });

  // A confirmed session of this browser: continue with it, or sign in with another account.
  onSubmit('continue-form', async () => {
    const stored = storedSession();
    if (!stored) return showStep('email', 'field');
    try {
      const status = await api.recoveryEmailStatus(stored.sessionToken);
      if (!status.verified) throw new ApiError(401, undefined, {});
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) {
        storeSession(undefined);
        showStep('email', 'field');
        return showError('js-session-expired');
      }
      throw err;
    }
    await signedIn({ ...stored, verified: true });
  });
  ($('[data-action="other-account"]') as HTMLButtonElement).addEventListener('click', () => {
    const stored = storedSession();
    if (stored) void api.sessionDestroy(stored.sessionToken).catch(() => undefined);
    storeSession(undefined);
    clearErrors();
    showStep('email', 'field');
  });

  // An unconfirmed session of this browser goes on at the code; ?email= prefills the address.
  const stored = storedSession();
  const prefill = query().get('email');
  if (stored?.verified) {
    fillSlots('email', stored.email);
    showStep('continue');
  } else if (stored && !stored.verified) {
    current = { ...stored };
    fillSlots('email', stored.email);
    startWith(stored.email);
    showStep('code', 'field');
  } else if (prefill && EMAIL_PATTERN.test(prefill)) {
    startWith(prefill);
    showStep('email', 'field');
  } else {
    showStep('email', 'field');
  }
}

// ---- pages of mailed links -------------------------------------------------------------------

async function linkPage(): Promise<void> {
  const params = query();
  const uid = params.get('uid') ?? '';
  const code = params.get('code') ?? '';
  if (!/^[0-9a-fA-F]{32}$/.test(uid) || !/^[0-9a-fA-F]{32}$/.test(code)) return showStep('invalid');
  forgetQuery();
  const service = params.get('service') ?? undefined;
  const reminder = params.get('reminder') ?? undefined;
  const type = params.get('type') ?? undefined;
  try {
    await api.verifyLinkCode({
      uid,
      code,
      ...(service && /^[a-zA-Z0-9]{1,16}$/.test(service) ? { service } : {}),
      ...(reminder && /^(?:first|second|final)$/.test(reminder) ? { reminder } : {}),
      ...(type && /^[a-zA-Z0-9]{1,32}$/.test(type) ? { type } : {}),
    });
  } catch (err) {
    if (
      err instanceof ApiError &&
      (err.errno === ERRNO.INVALID_VERIFICATION_CODE || err.errno === ERRNO.UNKNOWN_ACCOUNT || err.status === 400)
    ) {
      return showStep('failed');
    }
    showStep('failed');
    return showError(errorMessage(err));
  }
  // A session of this account in this browser waiting for the code is now confirmed.
  const stored = storedSession();
  if (stored && stored.uid === uid.toLowerCase() && !stored.verified) {
    const status = await api.recoveryEmailStatus(stored.sessionToken).catch(() => undefined);
    if (status?.verified) storeSession({ ...stored, verified: true });
  }
  showStep('done');
}

function reportPage(): void {
  const params = query();
  const uid = params.get('uid') ?? '';
  const unblockCode = params.get('unblockCode') ?? '';
  if (!/^[0-9a-fA-F]{32}$/.test(uid) || !/^[A-Za-z0-9]{8}$/.test(unblockCode)) return showStep('invalid');
  forgetQuery();
  showStep('ask');
  onSubmit('report-form', async () => {
    await api.rejectUnblockCode(uid, unblockCode);
    showStep('done');
  });
}

function pushPage(): void {
  const params = query();
  const uid = params.get('uid') ?? '';
  const email = params.get('email') ?? '';
  const code = params.get('code') ?? '';
  const tokenVerificationId = params.get('tokenVerificationId') ?? '';
  if (!/^[0-9a-fA-F]{32}$/.test(uid) || !/^\d{6}$/.test(code) || !/^[0-9a-fA-F]{32}$/.test(tokenVerificationId)) {
    return showStep('invalid');
  }
  fillSlots('email', email);
  const stored = storedSession();
  if (!stored || stored.uid !== uid.toLowerCase()) return showStep('need-session');
  showStep('ask');
  onSubmit('push-form', async () => {
    await api.verifyPush(stored.sessionToken, { code, tokenVerificationId });
    showStep('done');
  });
}

async function settingsPage(): Promise<void> {
  const stored = storedSession();
  if (!stored) return showStep('signed-out');
  try {
    const status = await api.recoveryEmailStatus(stored.sessionToken);
    fillSlots('email', status.email);
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      storeSession(undefined);
      return showStep('signed-out');
    }
    fillSlots('email', stored.email);
  }
  showStep('signed-in');
  onSubmit('signout-form', async () => {
    await api.sessionDestroy(stored.sessionToken).catch(() => undefined);
    storeSession(undefined);
    showStep('signed-out');
    showInfo('js-signed-out');
  });
}

// ---- dispatch --------------------------------------------------------------------------------

switch (body.dataset.page) {
  case 'signin':
    signinPage();
    break;
  case 'verify_email':
  case 'complete_signin':
  case 'verify_primary_email':
    void linkPage().catch((err: unknown) => {
      showStep('failed');
      showError(errorMessage(err));
    });
    break;
  case 'report_signin':
    reportPage();
    break;
  case 'signin_push_code_confirm':
    pushPage();
    break;
  case 'settings':
    void settingsPage();
    break;
  default:
    break;
}
