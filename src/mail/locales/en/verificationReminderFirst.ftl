verificationReminderFirst-subject = Remember to confirm your account
verificationReminderFirst-title = Confirm your account
verificationReminderFirst-intro = A few days ago you created an account with this email address, but it isn’t confirmed yet. Confirm it to start using your account.
