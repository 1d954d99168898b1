verificationReminderSecond-subject = N’oubliez pas de confirmer votre compte
verificationReminderSecond-title = Toujours là ?
verificationReminderSecond-intro = Il y a plusieurs jours, vous avez créé un compte avec cette adresse e-mail, mais vous ne l’avez pas encore confirmé. Confirmez-le maintenant pour terminer sa configuration.
