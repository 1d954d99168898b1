# Strings shared by several mail templates.

-brand-firefox = Firefox

# Shown as the app being signed in to when the server does not know its name.
default-client-name = { -brand-firefox }

## Sign-in details (verifyLogin, verifyLoginCode, newDeviceLogin, unblockCode); the last two
## lines also close the account-change notices (postVerifySecondary, …).
## Variables:
##   $browser (String) - browser name, e.g. "Firefox"
##   $os (String) - operating system name, e.g. "Windows"
##   $ip (String) - IP address the sign-in came from
##   $time (Date) - when the sign-in happened; shown in UTC

signin-device-browser-os = Device: { $browser } on { $os }
signin-device-browser = Device: { $browser }
signin-device-os = Device: { $os }
signin-ip = IP address: { $ip }
signin-time = Time: { DATETIME($time, dateStyle: "long", timeStyle: "long") }
signin-not-you = Wasn’t you? Someone may know your password.
signin-change-password = Change your password

##

# Button to the account settings page.
manage-account = Manage account
# Button of the three signup reminders (verificationReminderFirst/Second/Final).
verificationReminder-action = Confirm account
# Button of the "connect another device" reminders (cadReminderFirst/Second).
cadReminder-action = Sync another device

# Plain-text part: introduces the URL printed on the next line.
# Variables:
#   $label (String) - the button or link text, e.g. "Confirm account"
text-link-label = { $label }:

# Footnote of mails the reader may not have asked for.
mail-not-requested = This is an automated email. If you didn’t ask for it, you can ignore it.
