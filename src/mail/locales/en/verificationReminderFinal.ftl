verificationReminderFinal-subject = Final reminder to confirm your account
verificationReminderFinal-title = Your account is still waiting for you
verificationReminderFinal-intro = A couple of weeks ago you created an account with this email address but never confirmed it. This is the last reminder we’ll send.
