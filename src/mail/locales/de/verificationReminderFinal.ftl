verificationReminderFinal-subject = Letzte Erinnerung: Bestätigen Sie Ihr Konto
verificationReminderFinal-title = Ihr Konto wartet noch auf Sie
verificationReminderFinal-intro = Vor ein paar Wochen haben Sie mit dieser E-Mail-Adresse ein Konto erstellt, es aber nie bestätigt. Dies ist die letzte Erinnerung, die wir Ihnen senden.
