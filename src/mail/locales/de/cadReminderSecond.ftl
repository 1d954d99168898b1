cadReminderSecond-subject = Nicht verpassen: Schließen Sie die Einrichtung der Synchronisierung ab
cadReminderSecond-title = Vergessen Sie nicht zu synchronisieren!
cadReminderSecond-intro = Synchronisieren Sie Lesezeichen, Passwörter, offene Tabs und mehr – überall dort, wo Sie { -brand-firefox } verwenden.
cadReminderSecond-privacy = Ihre synchronisierten Daten sind verschlüsselt: Nur Sie und die Geräte, die Sie zulassen, können sie lesen.
