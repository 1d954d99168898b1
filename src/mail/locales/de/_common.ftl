# Texte, die mehrere E-Mail-Vorlagen gemeinsam verwenden.

-brand-firefox = Firefox

# Name der App, bei der sich jemand anmeldet, wenn der Server ihn nicht kennt.
default-client-name = { -brand-firefox }

## Angaben zur Anmeldung (verifyLogin, verifyLoginCode, newDeviceLogin, unblockCode); die letzten
## beiden Zeilen schließen auch die Hinweise zu Kontoänderungen ab (postVerifySecondary, …).
## Variablen:
##   $browser (String) - Name des Browsers, z. B. "Firefox"
##   $os (String) - Name des Betriebssystems, z. B. "Windows"
##   $ip (String) - IP-Adresse, von der die Anmeldung kam
##   $time (Date) - Zeitpunkt der Anmeldung, in UTC

signin-device-browser-os = Gerät: { $browser } unter { $os }
signin-device-browser = Gerät: { $browser }
signin-device-os = Gerät: { $os }
signin-ip = IP-Adresse: { $ip }
signin-time = Zeitpunkt: { DATETIME($time, dateStyle: "long", timeStyle: "long") }
signin-not-you = Das waren nicht Sie? Dann kennt möglicherweise jemand Ihr Passwort.
signin-change-password = Passwort ändern

##

# Schaltfläche zur Seite mit den Kontoeinstellungen.
manage-account = Konto verwalten
# Schaltfläche der drei Erinnerungen an die Kontobestätigung (verificationReminderFirst/Second/Final).
verificationReminder-action = Konto bestätigen
# Schaltfläche der Erinnerungen „Weiteres Gerät verbinden“ (cadReminderFirst/Second).
cadReminder-action = Weiteres Gerät synchronisieren

# Textteil: leitet die URL in der nächsten Zeile ein.
# Variablen:
#   $label (String) - Text der Schaltfläche oder des Links, z. B. "Konto bestätigen"
text-link-label = { $label }:

# Fußnote von E-Mails, die der Empfänger womöglich nicht angefordert hat.
mail-not-requested = Dies ist eine automatisch versendete E-Mail. Wenn Sie sie nicht angefordert haben, können Sie sie ignorieren.
