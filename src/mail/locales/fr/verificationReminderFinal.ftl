verificationReminderFinal-subject = Dernier rappel pour confirmer votre compte
verificationReminderFinal-title = Votre compte vous attend toujours
verificationReminderFinal-intro = Il y a quelques semaines, vous avez créé un compte avec cette adresse e-mail, mais vous ne l’avez jamais confirmé. Ceci est le dernier rappel que nous vous enverrons.
