# Variablen:
#   $code (String) - 8-stelliger Autorisierungscode
unblockCode-subject = Verwenden Sie { $code } zur Anmeldung
unblockCode-title = Melden Sie sich gerade an?
unblockCode-prompt = Wenn ja, ist hier der Autorisierungscode, den Sie benötigen:
unblockCode-expiry = Er ist eine Stunde lang gültig und kann nur einmal verwendet werden.
unblockCode-report = Wenn nicht, geben Sie uns Bescheid, damit wir Eindringlinge fernhalten können.
unblockCode-report-action = Diese Anmeldung melden
