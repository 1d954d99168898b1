postVerify-subject = Konto bestätigt. Verbinden Sie jetzt ein weiteres Gerät, um die Einrichtung abzuschließen
postVerify-title = Ihr Konto ist bestätigt
postVerify-intro = Sync hält Ihre Lesezeichen, Passwörter und weiteren { -brand-firefox }-Daten auf all Ihren Geräten auf demselben Stand. Verbinden Sie ein weiteres Gerät, um mit der Synchronisierung zu beginnen.
postVerify-action = Nächstes Gerät einrichten
