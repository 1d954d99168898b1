cadReminderFirst-subject = Erinnerung: Jetzt { -brand-firefox } synchronisieren!
# Gemeint sind zwei Geräte.
cadReminderFirst-title = Zum Synchronisieren gehören zwei
cadReminderFirst-intro = Verbinden Sie ein weiteres Gerät, um Ihre Tabs mitzunehmen und Ihre Lesezeichen, Passwörter und weiteren Daten überall dort zu haben, wo Sie { -brand-firefox } verwenden.
