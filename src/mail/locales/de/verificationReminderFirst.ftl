verificationReminderFirst-subject = Denken Sie daran, Ihr Konto zu bestätigen
verificationReminderFirst-title = Bestätigen Sie Ihr Konto
verificationReminderFirst-intro = Vor ein paar Tagen haben Sie mit dieser E-Mail-Adresse ein Konto erstellt, es aber noch nicht bestätigt. Bestätigen Sie es, um Ihr Konto nutzen zu können.
