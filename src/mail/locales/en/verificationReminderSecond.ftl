verificationReminderSecond-subject = Remember to confirm your account
verificationReminderSecond-title = Still there?
verificationReminderSecond-intro = Several days ago you created an account with this email address but haven’t confirmed it yet. Confirm it now to finish setting it up.
