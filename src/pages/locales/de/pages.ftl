-product = Konten

page-title = { -product }
skip-to-content = Zum Inhalt springen
noscript = Diese Seiten brauchen JavaScript. Schalten Sie es für diese Website ein und laden Sie die Seite neu.
footer-text = Ihr Konto für Firefox und andere Dienste.

email-heading = E-Mail-Adresse eingeben
email-intro = Melden Sie sich an oder erstellen Sie ein Konto, falls Sie noch keines haben.
email-label = E-Mail-Adresse
email-continue = Weiter

signin-heading = Anmelden
signin-intro = Geben Sie das Passwort von { $email } ein.
password-label = Passwort
signin-submit = Anmelden
change-email = Andere E-Mail-Adresse verwenden
forgot-password = Passwort vergessen? Das Zurücksetzen ist auf diesem Server noch nicht möglich; wenden Sie sich an seine Administration.

signup-heading = Konto erstellen
signup-intro = Wählen Sie ein Passwort für { $email }.
new-password-label = Passwort
new-password-hint = Mindestens 8 Zeichen.
repeat-password-label = Passwort wiederholen
signup-submit = Konto erstellen

code-heading = Bestätigungscode eingeben
code-intro = Wir haben einen 6-stelligen Code an { $email } gesendet. Er ist nur kurze Zeit gültig.
code-label = Bestätigungscode
code-submit = Bestätigen
code-resend = Neuen Code senden

done-heading = Sie sind angemeldet
done-intro = Sie sind als { $email } angemeldet.
done-settings = Zu Ihrem Konto

busy = Bitte warten…

js-email-invalid = Geben Sie eine gültige E-Mail-Adresse ein.
js-password-short = Das Passwort muss mindestens 8 Zeichen lang sein.
js-password-mismatch = Die Passwörter stimmen nicht überein.
js-password-incorrect = Falsches Passwort.
js-account-exists = Für diese E-Mail-Adresse gibt es bereits ein Konto. Melden Sie sich stattdessen an.
js-unknown-account = Für diese E-Mail-Adresse gibt es kein Konto.
js-code-invalid = Geben Sie die 6 Ziffern aus der E-Mail ein.
js-code-wrong = Dieser Code ist falsch oder abgelaufen. Prüfen Sie die E-Mail oder fordern Sie einen neuen Code an.
js-code-sent = Ein neuer Code ist unterwegs.
js-throttled = Zu viele Versuche. Bitte warten Sie eine Weile und versuchen Sie es erneut.
js-blocked = Diese Anmeldung wurde zu Ihrer Sicherheit blockiert. Versuchen Sie es später erneut.
js-mail-failed = Die E-Mail konnte nicht gesendet werden. Bitte versuchen Sie es später erneut.
js-unavailable = Der Server ist ausgelastet. Bitte versuchen Sie es gleich noch einmal.
js-network = Der Server ist nicht erreichbar. Prüfen Sie Ihre Verbindung und versuchen Sie es erneut.
js-unexpected = Etwas ist schiefgelaufen. Bitte versuchen Sie es erneut.
js-signed-out = Sie sind abgemeldet.

link-working = Der Link wird geprüft…
link-invalid = Dieser Link ist unvollständig. Kopieren Sie den ganzen Link aus der E-Mail in die Adressleiste oder melden Sie sich erneut an, um einen neuen Code zu erhalten.
link-failed = Dieser Link ist ungültig oder abgelaufen. Melden Sie sich erneut an, um einen neuen Code zu erhalten.
link-sign-in = Anmelden

verify-email-heading = Konto bestätigen
verify-email-done = Ihr Konto ist bestätigt. Sie können sich jetzt überall damit anmelden.

complete-signin-heading = Anmeldung bestätigen
complete-signin-done = Die Anmeldung ist bestätigt. Sie können zu dem Gerät zurückkehren, auf dem Sie sich angemeldet haben.

verify-primary-heading = E-Mail-Adresse bestätigen
verify-primary-done = Ihre E-Mail-Adresse ist bestätigt.

report-signin-heading = Anmeldung melden
report-signin-intro = Jemand hat einen Code angefordert, um eine Anmeldung bei Ihrem Konto freizugeben. Falls Sie das nicht waren, melden Sie es: Der Code wird dann ungültig. Ändern Sie danach Ihr Passwort.
report-signin-submit = Diese Anmeldung melden
report-signin-done = Danke. Der Code ist nicht mehr gültig.

push-heading = Anmeldung freigeben
push-intro = Ein Gerät versucht, sich bei { $email } anzumelden. Geben Sie es nur frei, wenn Sie es selbst sind.
push-approve = Freigeben
push-done = Die Anmeldung ist freigegeben.
push-need-session = Melden Sie sich zuerst in diesem Browser mit { $email } an und öffnen Sie dann die Benachrichtigung erneut.

settings-heading = Ihr Konto
settings-signed-in = Sie sind angemeldet als
settings-sign-out = Abmelden
settings-not-signed-in = Sie sind in diesem Browser nicht angemeldet.
settings-more = Passwortänderung, Zwei-Schritt-Authentifizierung und weitere Einstellungen sind auf diesen Seiten noch nicht verfügbar.

change-password-heading = Passwort ändern
change-password-text = Das Ändern des Passworts ist auf den Seiten dieses Servers noch nicht möglich. Wenn Sie glauben, dass jemand Ihr Passwort kennt, wenden Sie sich an die Administration des Servers.

connect-heading = Weiteres Gerät verbinden
connect-text = Ihr Konto ist bereit. Melden Sie sich in Firefox auf Ihren anderen Geräten mit derselben E-Mail-Adresse und demselben Passwort an, um sie zu synchronisieren.

not-found-heading = Seite nicht gefunden
not-found-text = Diese Seite existiert nicht.

continue-heading = Willkommen zurück
continue-intro = Sie sind als { $email } angemeldet.
continue-submit = Weiter
continue-other = Anderes Konto verwenden
oauth-for-client = um mit { $client } fortzufahren
js-oauth-failed = Die Anmeldeanfrage der App ist ungültig. Kehren Sie zur App zurück und versuchen Sie es erneut.
js-session-expired = Ihre Sitzung ist abgelaufen. Bitte melden Sie sich erneut an.

unblock-heading = Bestätigen Sie, dass Sie es sind
unblock-intro = Zu Ihrer Sicherheit braucht diese Anmeldung einen Code. Wir haben einen 8-stelligen Code an { $email } gesendet.
unblock-label = Entsperrcode
unblock-submit = Anmelden
js-unblock-invalid = Geben Sie die 8 Zeichen aus der E-Mail ein.
js-unblock-wrong = Dieser Code ist falsch oder abgelaufen.
