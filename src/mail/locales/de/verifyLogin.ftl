## Variablen:
##   $clientName (String) - die App, bei der sich jemand anmeldet, z. B. "Firefox"

verifyLogin-subject = Bestätigen Sie die neue Anmeldung bei { $clientName }
verifyLogin-title = Neue Anmeldung bei { $clientName }

##

verifyLogin-intro = Bitte bestätigen Sie diese Anmeldung, damit Ihr Konto sicher bleibt:
verifyLogin-action = Anmeldung bestätigen
