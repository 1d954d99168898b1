verificationReminderFirst-subject = N’oubliez pas de confirmer votre compte
verificationReminderFirst-title = Confirmez votre compte
verificationReminderFirst-intro = Il y a quelques jours, vous avez créé un compte avec cette adresse e-mail, mais il n’est pas encore confirmé. Confirmez-le pour commencer à utiliser votre compte.
