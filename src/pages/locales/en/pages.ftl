# Strings of the web pages served at the server root (sign-in, sign-up, mailed links).
# Messages whose id starts with "js-" are sent to the page script (shown after an action).

-product = Accounts

page-title = { -product }
skip-to-content = Skip to content
noscript = These pages need JavaScript. Turn it on for this site and reload the page.
footer-text = Your account for Firefox and other services.

## Sign-in and sign-up (the root page)

email-heading = Enter your email
email-intro = Sign in, or create an account if you do not have one yet.
email-label = Email
email-continue = Continue

signin-heading = Sign in
signin-intro = Enter the password of { $email }.
password-label = Password
signin-submit = Sign in
change-email = Use a different email
forgot-password = Forgot your password? Resetting it is not available on this server yet; ask its administrator.

signup-heading = Create your account
signup-intro = Choose a password for { $email }.
new-password-label = Password
new-password-hint = At least 8 characters.
repeat-password-label = Repeat the password
signup-submit = Create account

code-heading = Enter the confirmation code
code-intro = We sent a 6-digit code to { $email }. It is valid for a short time.
code-label = Confirmation code
code-submit = Confirm
code-resend = Send a new code

done-heading = You are signed in
done-intro = You are signed in as { $email }.
done-settings = Go to your account

busy = Please wait…

## Messages the script shows (role="alert")

js-email-invalid = Enter a valid email address.
js-password-short = The password must have at least 8 characters.
js-password-mismatch = The passwords do not match.
js-password-incorrect = Incorrect password.
js-account-exists = An account with this email already exists. Sign in instead.
js-unknown-account = There is no account for this email.
js-code-invalid = Enter the 6 digits from the mail.
js-code-wrong = This code is wrong or has expired. Check the mail or ask for a new code.
js-code-sent = A new code is on its way.
js-throttled = Too many attempts. Please wait a while and try again.
js-blocked = This sign-in was blocked for your safety. Try again later.
js-mail-failed = We could not send the mail. Please try again later.
js-unavailable = The server is busy. Please try again in a moment.
js-network = The server could not be reached. Check your connection and try again.
js-unexpected = Something went wrong. Please try again.
js-signed-out = You are signed out.

## Pages opened from mailed links

link-working = Checking the link…
link-invalid = This link is incomplete. Copy the whole link from the mail into the address bar, or sign in again to get a new code.
link-failed = This link is invalid or has expired. Sign in again to get a new code.
link-sign-in = Sign in

verify-email-heading = Confirm your account
verify-email-done = Your account is confirmed. You can now sign in everywhere with it.

complete-signin-heading = Confirm sign-in
complete-signin-done = The sign-in is confirmed. You can go back to the device where you signed in.

verify-primary-heading = Confirm your email
verify-primary-done = Your email is confirmed.

report-signin-heading = Report a sign-in
report-signin-intro = Someone asked for a code to unlock a sign-in to your account. If it was not you, report it: the code stops working. Then change your password.
report-signin-submit = Report this sign-in
report-signin-done = Thank you. The code no longer works.

push-heading = Approve sign-in
push-intro = A device is trying to sign in to { $email }. Approve it only if it is you.
push-approve = Approve
push-done = The sign-in is approved.
push-need-session = Sign in on this browser with { $email } first, then open the notification again.

## Account pages

settings-heading = Your account
settings-signed-in = You are signed in as
settings-sign-out = Sign out
settings-not-signed-in = You are not signed in on this browser.
settings-more = Changing your password, adding two-step authentication and other settings are not available on these pages yet.

change-password-heading = Change your password
change-password-text = Changing the password is not available on this server's pages yet. If you think someone knows your password, ask the server's administrator for help.

connect-heading = Connect another device
connect-text = Your account is ready. In Firefox on your other devices, sign in with the same email and password to sync them.

not-found-heading = Page not found
not-found-text = This page does not exist.

## Already signed in, or signing in for an app (OAuth)

continue-heading = Welcome back
continue-intro = You are signed in as { $email }.
continue-submit = Continue
continue-other = Use a different account
# Shown under the first heading when an app sent the user here.
oauth-for-client = to continue to { $client }
js-oauth-failed = The app’s sign-in request is not valid. Go back to the app and try again.
js-session-expired = Your session has ended. Please sign in again.

## Sign-in blocked for safety: the unblock code (errno 125)

unblock-heading = Confirm it is you
unblock-intro = For your safety this sign-in needs a code. We sent an 8-character code to { $email }.
unblock-label = Unblock code
unblock-submit = Sign in
js-unblock-invalid = Enter the 8 characters from the mail.
js-unblock-wrong = This code is wrong or has expired.
